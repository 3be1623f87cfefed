import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Ctx } from './context.js';
import { badRequest, methodNotAllowed, routeNotFound } from './errors.js';
import { mediaType, readBody, sendJson } from './http-util.js';
import type { DeleteOptions, Target } from './operations.js';
import { createObject, deleteObject, getObject, updateObject } from './operations.js';
import { patchObject } from './patch-op.js';
import { deletedStatus, presentList } from './present.js';
import type { ResourceRoute } from './router.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { KubeObject } from './types.js';
import { atVersion, isRecord, typeKey } from './types.js';
import { handOver } from './write-rules.js';
import { serveWatch } from './watch-stream.js';

export interface HandlerOptions {
  bookmarkIntervalMs: number;
}

/** The verb label used in request counts (GET/LIST/WATCH/POST/PUT/PATCH/DELETE). */
export function verbOf(method: string, r: ResourceRoute, query: URLSearchParams): string {
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  if (method === 'GET' && watch) return 'WATCH';
  if (method === 'GET' && r.name === undefined) return 'LIST';
  return method;
}

async function decodeBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (!text.trim()) return undefined;
  try {
    return handOver(mediaType(req.headers['content-type']).includes('yaml') ? parseYaml(text) : JSON.parse(text));
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded: ${(e as Error).message}`);
  }
}

function matcher(r: ResourceRoute, query: URLSearchParams): (o: KubeObject) => boolean {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'), r.t);
  const name = r.name;
  return (o) => (name === undefined || o.metadata.name === name) && labels(o) && fields(o);
}

function deleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const b = isRecord(body) ? body : {};
  const policy = query.get('propagationPolicy') ?? (typeof b.propagationPolicy === 'string' ? b.propagationPolicy : undefined);
  const orphanQ = query.get('orphanDependents');
  const orphan = orphanQ !== null ? orphanQ === 'true' : typeof b.orphanDependents === 'boolean' ? b.orphanDependents : undefined;
  return {
    ...(policy !== undefined ? { propagationPolicy: policy } : {}),
    ...(orphan !== undefined ? { orphanDependents: orphan } : {}),
    ...(isRecord(b.preconditions) ? { preconditions: b.preconditions as DeleteOptions['preconditions'] } : {}),
  };
}

function handleRead(ctx: Ctx, r: ResourceRoute, query: URLSearchParams, res: ServerResponse, opts: HandlerOptions): void {
  const { t, version } = r;
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  if (watch) {
    const timeout = Number(query.get('timeoutSeconds') ?? '0');
    const sie = query.get('sendInitialEvents');
    return serveWatch(ctx, t, version, {
      namespace: r.namespace,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      allowWatchBookmarks: query.get('allowWatchBookmarks') === 'true' || query.get('allowWatchBookmarks') === '1',
      ...(sie !== null ? { sendInitialEvents: sie === 'true' } : {}),
      ...(timeout > 0 ? { timeoutSeconds: timeout } : {}),
      matches: matcher(r, query),
      bookmarkIntervalMs: opts.bookmarkIntervalMs,
    }, res);
  }
  if (r.name !== undefined) return sendJson(res, 200, atVersion(t, version, getObject(ctx, t, r.namespace, r.name)));
  const matches = matcher(r, query);
  const listQuery = `${typeKey(t)}|${r.namespace ?? ''}|${query.get('labelSelector') ?? ''}|${query.get('fieldSelector') ?? ''}`;
  const page = ctx.pages.page(() => ctx.store.list(t, r.namespace).filter(matches), ctx.store.currentRv(), listQuery, Number(query.get('limit') ?? '0'), query.get('continue'));
  const list = presentList(t, version, page.items, page.resourceVersion);
  if (page.continueToken) Object.assign(list.metadata as Record<string, unknown>, { continue: page.continueToken, remainingItemCount: page.remaining });
  sendJson(res, 200, list);
}

function handleDelete(ctx: Ctx, r: ResourceRoute, body: unknown, query: URLSearchParams, res: ServerResponse): void {
  const { t, version } = r;
  const opts = deleteOptions(body, query);
  if (r.name === undefined) {
    const items = ctx.store.list(t, r.namespace).filter(matcher(r, query));
    const results = items.map((o) => deleteObject(ctx, t, o.metadata.namespace, o.metadata.name ?? '', opts).object);
    return sendJson(res, 200, presentList(t, version, results, ctx.store.currentRv()));
  }
  const { object, deleted } = deleteObject(ctx, t, r.namespace, r.name, opts);
  sendJson(res, 200, deleted && !t.returnDeletedObject ? deletedStatus(t, object) : atVersion(t, version, object));
}

/** status (where the type has it) takes GET/PUT/PATCH; a namespace's finalize takes PUT; anything else is 404. */
function checkSubresource(r: ResourceRoute, method: string): void {
  if (r.subresource === undefined) return;
  const allowed = r.subresource === 'status' && r.t.statusSubresource ? ['GET', 'PUT', 'PATCH']
    : r.subresource === 'finalize' && r.t.group === '' && r.t.plural === 'namespaces' ? ['PUT'] : [];
  if (allowed.length === 0) throw routeNotFound();
  if (!allowed.includes(method)) throw methodNotAllowed();
}

function target(r: ResourceRoute): Target {
  return { t: r.t, version: r.version, namespace: r.namespace, name: r.name ?? '' };
}

async function handleWrite(ctx: Ctx, r: ResourceRoute, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const method = req.method ?? '';
  const { t, version } = r;
  const sub = r.subresource ? { subresource: r.subresource } : {};
  if (method === 'PATCH' && r.name !== undefined) {
    const fieldManager = query.get('fieldManager');
    const result = patchObject(ctx, target(r), { contentType: mediaType(req.headers['content-type']), body: await readBody(req), ...sub, ...(fieldManager ? { fieldManager } : {}) });
    return sendJson(res, result.created ? 201 : 200, atVersion(t, version, result.object));
  }
  const body = await decodeBody(req);
  if (method === 'POST' && r.name === undefined) {
    if (body === undefined) throw badRequest('the body of the request was empty');
    return sendJson(res, 201, atVersion(t, version, createObject(ctx, t, version, r.namespace, body)));
  }
  if (method === 'PUT' && r.name !== undefined) {
    const result = updateObject(ctx, target(r), body, { ...sub, requireResourceVersion: true });
    return sendJson(res, result.created ? 201 : 200, atVersion(t, version, result.object));
  }
  if (method === 'DELETE') return handleDelete(ctx, r, body, query, res);
  throw methodNotAllowed();
}

export interface RequestContext {
  ctx: Ctx;
  opts: HandlerOptions;
  query: URLSearchParams;
}

/** One request on a resource endpoint; errors are thrown as ApiError for the caller to render. */
export async function handleResource(rc: RequestContext, r: ResourceRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
  checkSubresource(r, req.method ?? 'GET');
  if (rc.query.has('dryRun')) throw badRequest('dryRun is not supported by the fake API server');
  if ((req.method ?? 'GET') === 'GET') return handleRead(rc.ctx, r, rc.query, res, rc.opts);
  return handleWrite(rc.ctx, r, req, res, rc.query);
}
