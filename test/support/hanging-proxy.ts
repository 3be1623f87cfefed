import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through HTTP proxy in front of the fake API server that can hold chosen requests
 * unanswered, as an API server that stopped responding would: a client (helm) writing through it
 * hangs in the middle of its work until it is killed. Held requests are dropped when released.
 */
export interface HangingProxy {
  url: string;
  /** From now on, requests `match` accepts are held (never answered); undefined lets all through. */
  hang(match: ((method: string, path: string) => boolean) | undefined): void;
  /** How many requests were held so far. */
  held(): number;
  close(): Promise<void>;
}

export async function startHangingProxy(target: () => string): Promise<HangingProxy> {
  let match: ((method: string, path: string) => boolean) | undefined;
  let heldCount = 0;
  const holding = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    if (match?.(req.method ?? 'GET', req.url ?? '/')) {
      heldCount++;
      holding.add(req);
      req.on('close', () => holding.delete(req));
      return;
    }
    const to = new URL(req.url ?? '/', target());
    const upstream = request(to, { method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hang: (m) => {
      match = m;
    },
    held: () => heldCount,
    close: async () => {
      for (const req of holding) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
