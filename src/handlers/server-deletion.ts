import type { Logger } from 'pino';
import { Reason } from '../api/conditions.js';
import { readyOf } from '../reconcile/conditions.js';
import type { PostgreSQLServer } from '../api/types.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import type { DeleteResult, ResolvedServer, ServerBackend, ServerContext, SslMode } from '../backends/types.js';
import type { HandlerDeps } from './deps.js';
import { holdsDeletion, removeFinalizer } from './object-ops.js';
import { errorMessage, reportPending } from './reporting.js';
import { serverContext } from './server-access.js';
import { serverStoreName, STORE_PASSWORD } from './names.js';
import { chooseBackend } from './backend-choice.js';
import { adoptionRecord, takeoverPending } from './takeover.js';

/** How long to wait before trying a deletion the config does not let progress. */
const BLOCKED_RETRY_SECONDS = 60;

/**
 * Deletion is policy-driven and verified: ask the backend to delete, look again until it says
 * gone (or kept on purpose), then drop the finalizer. Owned Secrets go with the CR (ownerReferences).
 *
 * Deletion needs only identity (ADR 0013): the backend pinned in status, the namespace and name,
 * and what the backend pinned in `status.backendState` when it created the resource. Nothing from
 * the desired state is computed or validated here (no `validate`, no class, no limits), so an
 * invalid spec or a class or section removed from the config can never keep a CR from going.
 */
export async function deleteServer(deps: HandlerDeps, server: PostgreSQLServer, log: Logger): Promise<ReconcileOutcome> {
  if (!holdsDeletion(server)) return {};
  const pythonMade = takeoverPending(server);
  const chosen = pythonMade ? pythonOperatorBackend(deps, server) : { backend: server.status?.backend };
  if ('problem' in chosen) return blockDeletion(deps, server, `cannot delete: the Python operator created this server and its backend cannot be chosen (${chosen.problem}); configure that backend (or allow its spec.backend) so its resources are deleted, or remove the finalizers by hand once they are gone`);
  if (!chosen.backend || !deps.backends.has(chosen.backend)) return releaseUnpinned(deps, server, chosen.backend);
  const backend = await backendFor(deps, chosen.backend);
  if ('problem' in backend) return reportUnbuildable(deps, server, chosen.backend, backend.problem);
  const store = await deps.secrets.read(server.metadata.namespace, serverStoreName(server.metadata.name), server.metadata.uid ?? '');
  const password = store.kind === 'owned' ? (store.data[STORE_PASSWORD] ?? '') : '';
  const ctx = serverContext(server, resolvedForDeletion(server), password);
  // Not taken over yet: the backend finds what the Python operator made as it does in a takeover.
  if (pythonMade) ctx.adoption ??= adoptionRecord(server);
  const result = await deps.backendCall(backend.name, 'delete', () => backend.delete(ctx));
  if (!result.gone) return reportNotGone(deps, server, result, ctx.state);
  await deps.events.record(server, 'Normal', 'Deleted', result.message);
  await forgetConnections(deps, server, backend, ctx, log);
  await removeFinalizer(deps.servers, server);
  log.info('server deleted');
  return {};
}

/**
 * What the deletion knows of the server: as recorded, else nothing — never computed from the spec
 * (a CR the Python operator stored may lack spec.size; a class may be gone): no backend's `delete`
 * reads it (contract rule 6).
 */
function resolvedForDeletion(server: PostgreSQLServer): ResolvedServer {
  const status = server.status ?? {};
  return status.version ? { version: status.version, sizeClass: status.sizeClass } : { version: '' };
}

/** Deleting (look again) or blocked by what the config or the cloud forbids (the condition says which). */
async function reportNotGone(deps: HandlerDeps, server: PostgreSQLServer, result: DeleteResult, state: ServerContext['state']): Promise<ReconcileOutcome> {
  const reason = result.blocked ? Reason.DeletionBlocked : Reason.Deleting;
  const reported = alreadyBlocked(server, result.message);
  const outcome = await reportPending(deps, server, reason, result.message, result.retryAfterSeconds ?? 10, result.state ?? state, result.blocked ? undefined : 'Deleting');
  if (result.blocked && !reported) await deps.events.record(server, 'Warning', Reason.DeletionBlocked, result.message);
  return outcome;
}

/**
 * The backend a server the Python operator created runs on, chosen as it chose (its status.backend
 * when it wrote one, else the configured default or the allowed spec.backend). Not released
 * without it: what runs would be left behind (a backend this operator lacks blocks, see below).
 */
function pythonOperatorBackend(deps: HandlerDeps, server: PostgreSQLServer): { backend: string } | { problem: string } {
  const choice = chooseBackend(server, deps.config);
  if ('problem' in choice) return { problem: choice.problem.message };
  if (!deps.backends.has(choice.backend)) return { problem: `backend "${choice.backend}" is unknown to this operator` };
  return { backend: choice.backend };
}

/** Never pinned (or pinned to a backend this operator does not have): nothing was created by it. */
async function releaseUnpinned(deps: HandlerDeps, server: PostgreSQLServer, backend: string | undefined): Promise<ReconcileOutcome> {
  if (backend) await deps.events.record(server, 'Warning', 'Released', `backend "${backend}" is unknown to this operator; nothing of it was deleted`);
  await removeFinalizer(deps.servers, server);
  return {};
}

/** The config no longer lets the backend be built: the condition says so; tried again later. */
async function reportUnbuildable(deps: HandlerDeps, server: PostgreSQLServer, backend: string, problem: string): Promise<ReconcileOutcome> {
  const message = `cannot delete: backend ${backend} cannot be set up from the current config (${problem}); restore its config section, or remove the finalizer by hand once its resources are gone`;
  return blockDeletion(deps, server, message);
}

/** DeletionBlocked, tried again later; the Warning event once per message. */
async function blockDeletion(deps: HandlerDeps, server: PostgreSQLServer, message: string): Promise<ReconcileOutcome> {
  const reported = alreadyBlocked(server, message);
  const outcome = await reportPending(deps, server, Reason.DeletionBlocked, message, BLOCKED_RETRY_SECONDS);
  if (!reported) await deps.events.record(server, 'Warning', Reason.DeletionBlocked, message);
  return outcome;
}

/** The condition already says so: a blocked deletion is retried every 10–60 s, its Warning event is written once. */
function alreadyBlocked(server: PostgreSQLServer, message: string): boolean {
  const ready = readyOf(server.status?.conditions);
  return ready?.reason === Reason.DeletionBlocked && ready.message === message;
}

/** The pinned backend, or why it cannot be built (e.g. its section's required keys were removed). */
async function backendFor(deps: HandlerDeps, name: string): Promise<ServerBackend | { problem: string }> {
  try {
    return await deps.backends.get(name);
  } catch (err) {
    return { problem: errorMessage(err) };
  }
}

/**
 * Connections to a server that is gone only wait for their idle timeout otherwise. The admin
 * connection may need a read (an external server's Secret) or config that is gone; deletion must
 * not depend on it, so the published endpoint stands in.
 */
async function forgetConnections(deps: HandlerDeps, server: PostgreSQLServer, backend: ServerBackend, ctx: ServerContext, log: Logger): Promise<void> {
  const known = server.status?.endpoint;
  if (!known) return;
  const endpoint = { host: known.host, port: known.port, sslmode: (known.sslmode ?? 'disable') as SslMode };
  try {
    const admin = await Promise.resolve()
      .then(() => backend.adminConnection(ctx, endpoint))
      .catch(() => endpoint);
    await deps.pools.invalidate(admin.host, admin.port);
  } catch (err) {
    log.debug({ err: errorMessage(err) }, 'could not close the pooled connections of the deleted server');
  }
}
