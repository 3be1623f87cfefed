import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../util/node-http.js';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';

/** The answer of a health check: ok, or not ok with the reasons (shown in the probe's body). */
export interface CheckResult {
  ok: boolean;
  reasons?: string[];
}

/** A health or readiness callback; it must be cheap (probes call it every few seconds). */
export type Check = () => CheckResult | boolean | Promise<CheckResult | boolean>;

export interface HttpServerOptions {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** Bind address: all interfaces in a pod, 127.0.0.1 in tests. */
  host?: string;
  /** `/healthz`: the process and its watches are alive. Failing it makes the kubelet restart the pod. */
  liveness: Check;
  /** `/readyz`: config loaded and informers synced. */
  readiness: Check;
  /** Served at `/metrics` in the Prometheus text format. */
  registry: Registry;
  logger?: Logger;
}

export interface HttpServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** `http://host:port` of the server. */
  url: string;
  close(): Promise<void>;
}

async function runCheck(check: Check): Promise<CheckResult> {
  try {
    const result = await check();
    return typeof result === 'boolean' ? { ok: result } : result;
  } catch (err) {
    return { ok: false, reasons: [`check failed: ${(err as Error).message}`] };
  }
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function sendCheck(res: ServerResponse, check: Check): Promise<void> {
  const result = await runCheck(check);
  const reasons = result.reasons?.length ? `: ${result.reasons.join('; ')}` : '';
  send(res, result.ok ? 200 : 503, result.ok ? 'ok\n' : `not ok${reasons}\n`);
}

async function route(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const known = path === '/healthz' || path === '/readyz' || path === '/metrics';
  if (!known) return send(res, 404, 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  if (path === '/healthz') return sendCheck(res, options.liveness);
  if (path === '/readyz') return sendCheck(res, options.readiness);
  send(res, 200, await options.registry.metrics(), options.registry.contentType);
}

/**
 * The operator's only listening port: health and readiness for the kubelet, metrics for
 * Prometheus. Nothing here changes state, so it needs no authentication; the chart's optional
 * NetworkPolicy limits who may reach it.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const server: Server = http.createServer((req, res) => {
    route(req, res, options).catch((err: unknown) => {
      options.logger?.error({ err, path: req.url }, 'http request failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Probes and scrapes are short; idle keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 5000;
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
