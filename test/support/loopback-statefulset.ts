import { createStatefulSetBackend } from '../../src/backends/statefulset/index.js';
import type { BackendFactory } from '../../src/backends/types.js';
import type { TestPostgres } from './postgres-server.js';

/**
 * The statefulset backend, publishing the test's PostgreSQL (loopback, its own port) as the
 * server's endpoint: what the cluster's DNS and Service do for a pod. Credentials Secrets then
 * hold an address this machine can reach, so a client can use them exactly as written.
 */
export function loopbackStatefulSet(pg: TestPostgres): Partial<Record<string, BackendFactory>> {
  return {
    statefulset: async (deps) => {
      const backend = await createStatefulSetBackend(deps);
      const observe = backend.observe.bind(backend);
      backend.observe = async (ctx) => {
        const seen = await observe(ctx);
        return seen.endpoint ? { ...seen, endpoint: { ...seen.endpoint, host: '127.0.0.1', port: pg.port } } : seen;
      };
      return backend;
    },
  };
}
