import { describe, it, expect, afterEach } from '@jest/globals';
import { startHttpServer } from './http-server.js';
import type { HttpServer, CheckResult } from './http-server.js';
import { createMetrics, METRIC_PREFIX } from './metrics.js';

describe('startHttpServer', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(state: { alive: boolean; ready: CheckResult | (() => never) }) {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.leader.set(1);
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      liveness: () => state.alive,
      readiness: () => (typeof state.ready === 'function' ? state.ready() : state.ready),
      registry: metrics.registry,
    });
    return server;
  }

  it('answers /healthz and /readyz from the callbacks, every time afresh', async () => {
    const state = { alive: true, ready: { ok: false, reasons: ['config loaded', 'informers not synced'] } as CheckResult };
    const { url } = await start(state);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');

    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('not ok: config loaded; informers not synced\n');

    state.ready = { ok: true };
    state.alive = false;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
  });

  it('treats a throwing check as failed, with its message', async () => {
    const { url } = await start({
      alive: true,
      ready: () => {
        throw new Error('config missing');
      },
    });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('check failed: config missing');
  });

  it('serves the registry at /metrics with the Prometheus content type', async () => {
    const { url } = await start({ alive: true, ready: { ok: true } });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toMatch(new RegExp(`^${METRIC_PREFIX}leader 1$`, 'm'));
  });

  it('answers HEAD without a body, refuses writes and unknown paths', async () => {
    const { url } = await start({ alive: true, ready: { ok: true } });
    const head = await fetch(`${url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/healthz/extra`)).status).toBe(404);
  });

  it('reports a port already in use instead of hanging', async () => {
    const first = await start({ alive: true, ready: { ok: true } });
    const metrics = createMetrics({ defaultMetrics: false });
    await expect(
      startHttpServer({ port: first.port, host: '127.0.0.1', liveness: () => true, readiness: () => true, registry: metrics.registry }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
