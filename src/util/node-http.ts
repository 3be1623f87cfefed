import { createRequire } from 'node:module';

/**
 * `node:http`, loaded with `require`. An ES import of `node:http` makes Node (22–24) build the
 * module's namespace eagerly, which runs its lazy `WebSocket`/`MessageEvent` getters and so loads
 * Node's whole internal fetch implementation: about 14 MB of RSS the operator never uses (ADR 0007).
 * The build routes client-node's own `node:http` imports the same way.
 */
export const http: typeof import('node:http') = createRequire(import.meta.url)('node:http');
