import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { createKubeClients, isConflict, isNotFound, kubeConfigForUrl, reuseConnections, USER_AGENT } from './clients.js';
import { PatchStrategy, setHeaderOptions } from './kubernetes-client.js';

async function dispatcherOf(kc: ReturnType<typeof kubeConfigForUrl>): Promise<unknown> {
  const ctx = new RequestContext('http://127.0.0.1:1/api/v1/secrets', HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getDispatcher();
}

describe('reuseConnections', () => {
  it('gives every request of a cluster the same HTTP agent (client-node alone makes one per request)', async () => {
    const plain = kubeConfigForUrl('http://127.0.0.1:1');
    expect(await dispatcherOf(plain)).not.toBe(await dispatcherOf(plain));
    const kc = kubeConfigForUrl('http://127.0.0.1:1');
    reuseConnections(kc);
    reuseConnections(kc);
    const first = await dispatcherOf(kc);
    expect(first).toBeDefined();
    expect(await dispatcherOf(kc)).toBe(first);
  });

  it('makes a new agent when the TLS material changes (a rotated client certificate)', async () => {
    const kc = kubeConfigForUrl('http://127.0.0.1:1');
    reuseConnections(kc);
    const first = await dispatcherOf(kc);
    kc.users[0] = { ...kc.users[0]!, certData: Buffer.from('cert-2').toString('base64'), keyData: Buffer.from('key-2').toString('base64') };
    const rotated = await dispatcherOf(kc);
    expect(rotated).not.toBe(first);
    // client-node decodes the material into new buffers on every request: equal bytes, same agent.
    expect(await dispatcherOf(kc)).toBe(rotated);
    kc.users[0] = { ...kc.users[0]!, keyData: Buffer.from('key-3').toString('base64') };
    expect(await dispatcherOf(kc)).not.toBe(rotated);
  });
});

describe('createKubeClients transport', () => {
  interface Seen { method: string; url: string; headers: IncomingHttpHeaders; body: string; socket: number | undefined }
  let server: Server;
  let seen: Seen[];
  let url: string;
  const reply = new Map<string, { status: number; body: unknown; headers?: Record<string, string | string[]> }>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), socket: req.socket.remotePort });
        const r = reply.get(`${req.method} ${req.url}`) ?? { status: 500, body: { kind: 'Status', code: 500 } };
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(JSON.stringify(r.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
    reply.clear();
  });

  it('sends what client-node would, names the operator, parses typed JSON and keeps connections alive', async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: 'ns', resourceVersion: '7' }, data: { a: 'Yg==' } };
    reply.set('GET /api/v1/namespaces/ns/secrets/s1', { status: 200, body: secret, headers: { 'set-cookie': ['a=1', 'b=2'] } });
    reply.set('POST /api/v1/namespaces/ns/secrets', { status: 201, body: secret });
    const clients = createKubeClients(kubeConfigForUrl(url, 'ns', 'the-token'));
    const read = await clients.core.readNamespacedSecretWithHttpInfo({ name: 's1', namespace: 'ns' });
    expect(read.data.metadata?.resourceVersion).toBe('7');
    expect(read.data.data).toEqual({ a: 'Yg==' });
    expect(read.headers['set-cookie']).toBe('a=1, b=2'); // repeated headers joined, as fetch did
    await clients.core.createNamespacedSecret({ namespace: 'ns', body: { metadata: { name: 's1' }, stringData: { a: 'b' } } });
    const [get, post] = seen;
    expect(get?.headers['user-agent']).toBe(USER_AGENT);
    expect(get?.headers.authorization).toBe('Bearer the-token');
    expect(get?.headers['accept-encoding']).toBe('identity');
    expect(post?.method).toBe('POST');
    expect(post?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post?.body ?? '')).toEqual({ metadata: { name: 's1' }, stringData: { a: 'b' } });
    // Keep-alive: a handful of sequential calls share a connection or two, not one each.
    for (let i = 0; i < 4; i++) await clients.core.readNamespacedSecret({ name: 's1', namespace: 'ns' });
    expect(new Set(seen.map((s) => s.socket)).size).toBeLessThanOrEqual(2);
  });

  it('turns error statuses into errors that carry the code, with the body read', async () => {
    reply.set('GET /api/v1/namespaces/ns/secrets/gone', { status: 404, body: { kind: 'Status', code: 404, reason: 'NotFound', message: 'secrets "gone" not found' } });
    reply.set('POST /api/v1/namespaces/ns/secrets', { status: 409, body: { kind: 'Status', code: 409, reason: 'AlreadyExists' } });
    const clients = createKubeClients(kubeConfigForUrl(url, 'ns'));
    const missing = await clients.core.readNamespacedSecret({ name: 'gone', namespace: 'ns' }).catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
    expect(String((missing as { body?: unknown }).body)).toContain('secrets \\"gone\\" not found');
    const taken = await clients.core.createNamespacedSecret({ namespace: 'ns', body: { metadata: { name: 'x' } } }).catch((e: unknown) => e);
    expect(isConflict(taken)).toBe(true);
  });

  it('sends merge patches with their content type', async () => {
    reply.set('PATCH /api/v1/namespaces/ns/secrets/s1', { status: 200, body: { metadata: { name: 's1' } } });
    const clients = createKubeClients(kubeConfigForUrl(url, 'ns'));
    await clients.core.patchNamespacedSecret({ name: 's1', namespace: 'ns', body: { metadata: { labels: { a: 'b' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(seen[0]?.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ metadata: { labels: { a: 'b' } } });
  });
});
