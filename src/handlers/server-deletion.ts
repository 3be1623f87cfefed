import type { Logger } from 'pino';
import { Reason } from '../api/conditions.js';
import type { PostgreSQLServer } from '../api/types.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import type { ResolvedServer, ServerBackend, SslMode } from '../backends/types.js';
import type { HandlerDeps } from './deps.js';
import { holdsDeletion, removeFinalizer } from './object-ops.js';
import { reportPending } from './reporting.js';
import { serverContext } from './server-access.js';
import { serverStoreName, STORE_PASSWORD } from './names.js';

/**
 * Deletion is policy-driven and verified: ask the backend to delete, look again until it says
 * gone (or kept on purpose), then drop the finalizer. Owned Secrets go with the CR (ownerReferences).
 */
/** What the deletion knows of the server: as recorded, else as the spec resolves; never a reason to fail. */
function resolvedForDeletion(server: PostgreSQLServer, backend: ServerBackend): ResolvedServer {
  const status = server.status ?? {};
  if (status.version) return { version: status.version, sizeClass: status.sizeClass };
  // A CR the Python operator stored may lack spec.size (and a status.version): deletion needs only identity.
  const checked = server.spec.size ? backend.validate(server.spec, server.metadata) : undefined;
  return checked?.ok ? checked.resolved : { version: '' };
}

export async function deleteServer(deps: HandlerDeps, server: PostgreSQLServer, log: Logger): Promise<ReconcileOutcome> {
  if (!holdsDeletion(server)) return {};
  const status = server.status ?? {};
  if (!status.backend) {
    // Never pinned, so nothing was ever created.
    await removeFinalizer(deps.servers, server);
    return {};
  }
  const backend = await deps.backends.get(status.backend);
  const store = await deps.secrets.read(server.metadata.namespace, serverStoreName(server.metadata.name), server.metadata.uid ?? '');
  const password = store.kind === 'owned' ? (store.data[STORE_PASSWORD] ?? '') : '';
  const ctx = serverContext(server, resolvedForDeletion(server, backend), password);
  const result = await deps.backendCall(backend.name, 'delete', () => backend.delete(ctx));
  if (!result.gone) {
    const reason = result.blocked ? Reason.DeletionBlocked : Reason.Deleting;
    const outcome = await reportPending(deps, server, reason, result.message, result.retryAfterSeconds ?? 10, result.state ?? ctx.state, result.blocked ? undefined : 'Deleting');
    if (result.blocked) await deps.events.record(server, 'Warning', Reason.DeletionBlocked, result.message);
    return outcome;
  }
  await deps.events.record(server, 'Normal', 'Deleted', result.message);
  if (status.endpoint) {
    // Connections to a server that is gone only wait for their idle timeout otherwise.
    const endpoint = { host: status.endpoint.host, port: status.endpoint.port, sslmode: (status.endpoint.sslmode ?? 'disable') as SslMode };
    // The admin connection may need a read (an external server's Secret) that can fail; deletion
    // must not depend on it, so the published endpoint stands in.
    const admin = await Promise.resolve()
      .then(() => backend.adminConnection(ctx, endpoint))
      .catch(() => endpoint);
    await deps.pools.invalidate(admin.host, admin.port);
  }
  await removeFinalizer(deps.servers, server);
  log.info('server deleted');
  return {};
}
