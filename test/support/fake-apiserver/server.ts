import type { IncomingMessage, ServerResponse } from 'node:http';
import { REVIEW_GROUP, REVIEW_PLURAL, type Authorizer } from './authorization.js';
import type { Ctx } from './context.js';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery.js';
import { badRequest, routeNotFound } from './errors.js';
import type { HandlerOptions } from './handlers.js';
import { handleResource, verbOf } from './handlers.js';
import { readBody, sendError, sendJson } from './http-util.js';
import type { Route } from './router.js';
import { route } from './router.js';

function serveDiscovery(ctx: Ctx, r: Exclude<Route, { kind: 'resource' }>, host: string, res: ServerResponse): void {
  const found = (doc: unknown): void => {
    if (doc === undefined) throw routeNotFound();
    sendJson(res, 200, doc);
  };
  switch (r.kind) {
    case 'root': return found({ paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/version'] });
    case 'version': return found(versionInfo());
    case 'health':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    case 'api': return found(coreVersions(host));
    case 'apis': return found(groupList(ctx.registry));
    case 'group': return found(group(ctx.registry, r.group));
    case 'groupVersion': return found(resourceList(ctx.registry, r.group, r.version));
  }
}

/** Clients are told apart by their bearer token (kubeConfig(namespace, client)). */
const clientOf = (req: IncomingMessage): string => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? 'anonymous';

const count = (counts: Map<string, number>, key: string): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

async function reviewBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return text.trim() ? JSON.parse(text) : undefined;
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded: ${(e as Error).message}`);
  }
}

/**
 * `/openapi/v2`, which helm reads to validate manifests before it writes them: an empty document
 * (zero bytes are a valid empty protobuf `Document`). With no models in it, helm validates nothing
 * against a schema (kubectl's validator skips kinds the document does not describe); the fake's own
 * write validation still applies.
 */
function serveOpenApi(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': '0' });
  res.end();
}

/** The request listener: routes, counts resource requests by verb, renders errors as Status. */
export function requestListener(ctx: Ctx, opts: HandlerOptions, counts: Map<string, number>, byClient?: Map<string, Map<string, number>>, authorizer?: Authorizer) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === '/openapi/v2') return serveOpenApi(res);
    const run = async (): Promise<void> => {
      const r = route(ctx.registry, url.pathname);
      if (r.kind !== 'resource') return serveDiscovery(ctx, r, req.headers.host ?? '', res);
      const key = `${verbOf(req.method ?? 'GET', r, url.searchParams)} ${r.t.plural}${r.subresource ? `/${r.subresource}` : ''}`;
      const client = clientOf(req);
      count(counts, key);
      if (byClient) {
        const mine = byClient.get(client) ?? new Map<string, number>();
        byClient.set(client, mine);
        count(mine, key);
      }
      authorizer?.check(client, r, req.method ?? 'GET', url.searchParams);
      if (authorizer && r.t.group === REVIEW_GROUP && r.t.plural === REVIEW_PLURAL) {
        return sendJson(res, 201, authorizer.review(r.t, client, req.method ?? 'GET', await reviewBody(req)));
      }
      await handleResource({ ctx, opts, query: url.searchParams }, r, req, res);
    };
    run().catch((err: unknown) => sendError(res, err));
  };
}
