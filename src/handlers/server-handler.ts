import type { Logger } from 'pino';
import { ACTION_LABEL, RESET_PASSWORD_ACTION, SERVER_KIND } from '../api/constants.js';
import { Reason } from '../api/conditions.js';
import type { PostgreSQLServer } from '../api/types.js';
import type { Endpoint, ServerBackend, ServerContext, ServerObservation } from '../backends/types.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import { chooseBackend } from './backend-choice.js';
import { credentialsData } from './credentials.js';
import type { HandlerDeps } from './deps.js';
import { ensureFinalizer, writeStatus } from './object-ops.js';
import { beginReset, completeReset, loadPassword, type PasswordScope, type StoredPassword } from './password-store.js';
import { ownerReference, serverContext } from './server-access.js';
import { serverLabels } from './labels.js';
import { serverStoreName } from './names.js';
import { deleteServer } from './server-deletion.js';
import { failWith, reportFailure, reportPending } from './reporting.js';

const DEFAULT_PENDING_SECONDS = 10;

/**
 * The server loop: get → deleting? → finalizer → pin backend → validate → admin password (stored
 * first) → observe → create / wait / update → reset-password label → publish credentials → Ready.
 */
export async function reconcileServer(deps: HandlerDeps, namespace: string, name: string, log: Logger): Promise<ReconcileOutcome> {
  try {
    return await reconcileServerOnce(deps, namespace, name, log);
  } catch (err) {
    const current = deps.serverCache.get(namespace, name);
    await reportFailure(deps, current && { ...current, kind: SERVER_KIND }, err);
    throw err;
  }
}

async function reconcileServerOnce(deps: HandlerDeps, namespace: string, name: string, log: Logger): Promise<ReconcileOutcome> {
  let server = deps.serverCache.get(namespace, name);
  if (!server) return {};
  server = { ...server, kind: SERVER_KIND };
  if (server.metadata.deletionTimestamp) return deleteServer(deps, server, log);
  server = { ...(await ensureFinalizer(deps.servers, server)), kind: SERVER_KIND };

  const choice = chooseBackend(server, deps.config);
  if ('problem' in choice) return failWith(deps, server, choice.problem.reason, choice.problem.message);
  if (!server.status?.backend) {
    // Pinned before anything is created, so a later change of the default never moves a server.
    await writeStatus(deps.servers, server, { status: 'False', reason: Reason.Creating, message: `using backend ${choice.backend}`, fields: { backend: choice.backend } });
    if (choice.note) await deps.events.record(server, 'Warning', Reason.BackendNotAllowed, choice.note);
  }
  const backend = await deps.backends.get(choice.backend);

  const checked = backend.validate(server.spec, { namespace, name });
  if (!checked.ok) {
    const message = checked.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    return failWith(deps, server, checked.problems[0]?.reason ?? Reason.InvalidSpec, message);
  }

  const credentials = await deps.secrets.read(namespace, server.spec.credentialsSecret, server.metadata.uid ?? '');
  if (credentials.kind === 'foreign') {
    return failWith(deps, server, Reason.SecretConflict, `Secret ${server.spec.credentialsSecret} belongs to ${credentials.owner}; choose another spec.credentialsSecret`);
  }
  const scope: PasswordScope = {
    namespace,
    storeName: serverStoreName(name),
    credentials,
    owner: ownerReference(server),
    labels: serverLabels(name),
    length: deps.config.security.password_length,
  };
  const stored = await loadPassword(deps.secrets, scope);
  const ctx = serverContext(server, checked.resolved, stored.password);

  const observed = await deps.backendCall(backend.name, 'observe', () => backend.observe(ctx));
  if (observed.state) ctx.state = observed.state;
  const progress = await converge(deps, server, backend, ctx, observed);
  if (progress) return progress;

  const endpoint = observed.endpoint as Endpoint;
  const wantsReset = server.metadata.labels?.[ACTION_LABEL] === RESET_PASSWORD_ACTION;
  let password = stored.password;
  if (wantsReset || stored.pending) {
    const reset = await resetAdminPassword(deps, server, backend, ctx, scope, stored, endpoint);
    if (!('password' in reset)) return reset;
    password = reset.password;
  }

  const admin = backend.adminConnection({ ...ctx, adminPassword: password }, endpoint);
  const data = credentialsData({ endpoint, database: 'postgres', username: admin.user, password, caCert: endpoint.caCert ?? admin.caCert });
  const written = await deps.secrets.write(namespace, server.spec.credentialsSecret, ownerReference(server), data, serverLabels(name), credentials);
  if (written === 'created' && server.status?.endpoint) {
    await deps.events.record(server, 'Warning', 'CredentialsRestored', `credentials Secret ${server.spec.credentialsSecret} was missing and has been recreated`);
  }
  if (wantsReset) await finishReset(deps, server);
  if (ctx.requestedAction) await finishAction(deps, server, backend, ctx.requestedAction);

  const message = observed.warning ? `server is ready; ${observed.warning}` : 'server is ready';
  const { reasonChanged } = await writeStatus(deps.servers, server, {
    status: 'True',
    reason: Reason.Available,
    message,
    fields: {
      backend: backend.name,
      version: checked.resolved.version,
      sizeClass: checked.resolved.sizeClass,
      endpoint: { host: endpoint.host, port: endpoint.port, sslmode: endpoint.sslmode },
      backendState: ctx.state,
    },
  });
  if (reasonChanged) {
    await deps.events.record(server, 'Normal', 'Ready', `server is ready at ${endpoint.host}:${endpoint.port}`);
    log.info({ backend: backend.name }, 'server ready');
    deps.onServerReady?.(namespace, name);
  }
  if (observed.warning) await deps.events.record(server, 'Warning', 'ActionRequired', observed.warning);
  // A backend may want to look again before the resync (e.g. when a maintenance window opens).
  return observed.retryAfterSeconds !== undefined && observed.retryAfterSeconds < deps.config.reconcile.resync_seconds
    ? { requeueAfterSeconds: observed.retryAfterSeconds }
    : {};
}

/** Creates, waits for or updates the server; returns undefined once it is ready and up to date. */
async function converge(
  deps: HandlerDeps,
  server: PostgreSQLServer,
  backend: ServerBackend,
  ctx: ServerContext,
  observed: ServerObservation,
): Promise<ReconcileOutcome | undefined> {
  if (!observed.exists) {
    const result = await deps.backendCall(backend.name, 'create', () => backend.create(ctx));
    return reportPending(deps, server, Reason.Creating, result.message, result.retryAfterSeconds, result.state ?? ctx.state, 'Creating');
  }
  if (observed.busy || !observed.ready || !observed.endpoint) {
    const reason = server.status?.endpoint ? Reason.Updating : Reason.Creating;
    return reportPending(deps, server, reason, observed.message ?? 'waiting for the server', observed.retryAfterSeconds ?? DEFAULT_PENDING_SECONDS, ctx.state);
  }
  if (!observed.upToDate) {
    const result = await deps.backendCall(backend.name, 'update', () => backend.update(ctx, observed));
    const what = observed.differences?.length ? `updating ${observed.differences.join(', ')}` : result.message;
    return reportPending(deps, server, Reason.Updating, what, result.retryAfterSeconds, result.state ?? ctx.state, 'Updating');
  }
  return undefined;
}

/** Applies a pending (or new) admin password; kill-safe because the pending one is stored first. */
async function resetAdminPassword(
  deps: HandlerDeps,
  server: PostgreSQLServer,
  backend: ServerBackend,
  ctx: ServerContext,
  scope: PasswordScope,
  stored: StoredPassword,
  endpoint: Endpoint,
): Promise<{ password: string } | ReconcileOutcome> {
  const pending = await beginReset(deps.secrets, scope, stored);
  const result = await deps.backendCall(backend.name, 'setAdminPassword', () => backend.setAdminPassword(ctx, pending, endpoint));
  if (!result.applied) {
    return reportPending(deps, server, Reason.ResettingPassword, result.message, result.retryAfterSeconds ?? DEFAULT_PENDING_SECONDS, result.state ?? ctx.state);
  }
  await completeReset(deps.secrets, scope, stored, pending);
  const admin = backend.adminConnection(ctx, endpoint);
  deps.pools.invalidate(admin.host, admin.port);
  return { password: pending };
}

/** The backend carried out the action the label asked for (the server is ready and settled). */
async function finishAction(deps: HandlerDeps, server: PostgreSQLServer, backend: ServerBackend, action: string): Promise<void> {
  await deps.servers.patchMetadata(server.metadata.namespace, server.metadata.name, { labels: { [ACTION_LABEL]: null } });
  if (backend.supportedActions?.includes(action)) {
    await deps.events.record(server, 'Normal', 'ActionCompleted', `action "${action}" completed`);
  } else {
    const known = ['reset-password', ...(backend.supportedActions ?? [])].join(', ');
    await deps.events.record(server, 'Warning', 'UnsupportedAction', `action "${action}" is not supported by backend ${backend.name}; supported: ${known}`);
  }
}

async function finishReset(deps: HandlerDeps, server: PostgreSQLServer): Promise<void> {
  await deps.servers.patchMetadata(server.metadata.namespace, server.metadata.name, { labels: { [ACTION_LABEL]: null } });
  await deps.events.record(server, 'Normal', 'PasswordReset', `admin password reset; Secret ${server.spec.credentialsSecret} updated`);
}

