import { jsonEqual } from '../reconcile/conditions.js';
import type { HandlerDeps } from './deps.js';
import { mergePatchFor } from './object-ops.js';
import { databaseCounts } from './sharing.js';

/**
 * Writes a server's database counts (status.databases, status.databasesPerNamespace) from the
 * database cache, without a reconcile of the server: a database turning Ready or going away must
 * not cost a backend (cloud API) call. The server's own reconcile writes the same fields.
 */
export async function recountDatabases(deps: HandlerDeps, namespace: string, name: string): Promise<void> {
  const server = deps.serverCache.get(namespace, name);
  if (!server || server.metadata.deletionTimestamp || !server.status?.backend) return;
  const next = databaseCounts(server, deps.databaseCache.list());
  const previous = { databases: server.status.databases, databasesPerNamespace: server.status.databasesPerNamespace };
  if (jsonEqual(previous, next)) return;
  await deps.servers.patchStatus(namespace, name, mergePatchFor(previous as Record<string, unknown>, next));
}
