import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';

/**
 * What `kubectl port-forward pod/NAME LOCAL:5432` does, for a pod that may not exist yet: a local
 * TCP port whose every connection is tunnelled through the API server to the pod. A connection
 * made before the pod runs simply fails, as a connection to a starting server would, and the
 * operator retries it. Lets an operator running on a laptop reach PostgreSQL inside kind/k3d/minikube.
 */
export class PodPortForwarder {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly port: number,
  ) {}

  static async start(kc: KubeConfig, namespace: string, pod: string, targetPort: number): Promise<PodPortForwarder> {
    const forward = new PortForward(kc);
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      // The error channel carries text such as "error forwarding port 5432 to pod …": the tunnel is useless.
      const errors = new Writable({
        write: (_chunk, _enc, done) => {
          socket.destroy();
          done();
        },
      });
      forward
        .portForward(namespace, pod, [targetPort], socket, errors, socket)
        .then((ws) => {
          if (typeof ws === 'function') return;
          ws.on('close', () => socket.end());
          ws.on('error', () => socket.destroy());
          socket.on('close', () => ws.close());
        })
        .catch(() => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('port forwarder has no TCP address');
    return new PodPortForwarder(server, sockets, address.port);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
