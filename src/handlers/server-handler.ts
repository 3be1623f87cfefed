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
import type { SecretRead } from './secret-store.js';
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
  if (!deps.serverCache.get(namespace, name)) return {};
  // Read fresh, not from the cache: the status carries the backend's resume state (e.g. a cloud
  // operation's token), and a run right after our own status write must not see the old one.
  const cached = await deps.servers.get(namespace, name);
  if (!cached) return {};
  if (cached.metadata.deletionTimestamp) return deleteServer(deps, { ...cached, kind: SERVER_KIND }, log);
  const server: PostgreSQLServer = { ...(await ensureFinalizer(deps.servers, { ...cached, kind: SERVER_KIND })), kind: SERVER_KIND };
  const run = await prepare(deps, server);

  const observed = await deps.backendCall(run.backend.name, 'observe', () => run.backend.observe(run.ctx));
  if (observed.state) run.ctx.state = observed.state;
  const progress = await converge(deps, server, run.backend, run.ctx, observed);
  if (progress) return progress;

  const endpoint = observed.endpoint as Endpoint;
  const wantsReset = server.metadata.labels?.[ACTION_LABEL] === RESET_PASSWORD_ACTION;
  let password = run.stored.password;
  if (wantsReset || run.stored.pending) {
    const reset = await resetAdminPassword(deps, server, run, endpoint);
    if (!('password' in reset)) return reset;
    password = reset.password;
  }
  await publishCredentials(deps, server, run, endpoint, password);
  if (wantsReset) await finishReset(deps, server);
  if (run.ctx.requestedAction) await finishAction(deps, server, run.backend, run.ctx.requestedAction);
  await reportReady(deps, server, run, observed, log);
  // A backend may want to look again before the resync (e.g. when a maintenance window opens).
  return observed.retryAfterSeconds !== undefined && observed.retryAfterSeconds < deps.config.reconcile.resync_seconds
    ? { requeueAfterSeconds: observed.retryAfterSeconds }
    : {};
}

/** What one reconcile of a server works with, once the input is known to be good. */
interface ServerRun {
  backend: ServerBackend;
  ctx: ServerContext;
  scope: PasswordScope;
  stored: StoredPassword;
  credentials: SecretRead;
}

/** Pins the backend, validates, checks the Secret's owner and loads (or stores) the admin password. */
async function prepare(deps: HandlerDeps, server: PostgreSQLServer): Promise<ServerRun> {
  const { namespace, name } = server.metadata;
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
  return { backend, ctx: serverContext(server, checked.resolved, stored.password), scope, stored, credentials };
}

async function publishCredentials(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, endpoint: Endpoint, password: string): Promise<void> {
  const admin = run.backend.adminConnection({ ...run.ctx, adminPassword: password }, endpoint);
  const data = credentialsData({ endpoint, database: 'postgres', username: admin.user, password, caCert: endpoint.caCert ?? admin.caCert });
  const { namespace, name } = server.metadata;
  const written = await deps.secrets.write(namespace, server.spec.credentialsSecret, ownerReference(server), data, serverLabels(name), run.credentials);
  if (written === 'created' && server.status?.endpoint) {
    await deps.events.record(server, 'Warning', 'CredentialsRestored', `credentials Secret ${server.spec.credentialsSecret} was missing and has been recreated`);
  }
}

async function reportReady(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, observed: ServerObservation, log: Logger): Promise<void> {
  const endpoint = observed.endpoint as Endpoint;
  const { reasonChanged } = await writeStatus(deps.servers, server, {
    status: 'True',
    reason: Reason.Available,
    message: observed.warning ? `server is ready; ${observed.warning}` : 'server is ready',
    fields: {
      backend: run.backend.name,
      version: run.ctx.resolved.version,
      sizeClass: run.ctx.resolved.sizeClass,
      endpoint: { host: endpoint.host, port: endpoint.port, sslmode: endpoint.sslmode },
      backendState: run.ctx.state,
    },
  });
  if (reasonChanged) {
    await deps.events.record(server, 'Normal', 'Ready', `server is ready at ${endpoint.host}:${endpoint.port}`);
    log.info({ backend: run.backend.name }, 'server ready');
    deps.onServerReady?.(server.metadata.namespace, server.metadata.name);
  }
  if (observed.warning) await deps.events.record(server, 'Warning', 'ActionRequired', observed.warning);
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
  // An out-of-date server is updated even when not ready: a config fix (image, registry) must be
  // able to repair a server that cannot start. Only work already in flight is waited for.
  if (!observed.upToDate && !observed.busy) {
    const result = await deps.backendCall(backend.name, 'update', () => backend.update(ctx, observed));
    const what = observed.differences?.length ? `updating ${observed.differences.join(', ')}` : result.message;
    return reportPending(deps, server, Reason.Updating, what, result.retryAfterSeconds, result.state ?? ctx.state, 'Updating');
  }
  if (observed.busy || !observed.ready || !observed.endpoint) {
    const reason = server.status?.endpoint ? Reason.Updating : Reason.Creating;
    return reportPending(deps, server, reason, observed.message ?? 'waiting for the server', observed.retryAfterSeconds ?? DEFAULT_PENDING_SECONDS, ctx.state);
  }
  return undefined;
}

/** Applies a pending (or new) admin password; kill-safe because the pending one is stored first. */
async function resetAdminPassword(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, endpoint: Endpoint): Promise<{ password: string } | ReconcileOutcome> {
  const { backend, ctx, scope, stored } = run;
  const pending = await beginReset(deps.secrets, scope, stored);
  const result = await deps.backendCall(backend.name, 'setAdminPassword', () => backend.setAdminPassword(ctx, pending, endpoint));
  if (!result.applied) {
    return reportPending(deps, server, Reason.ResettingPassword, result.message, result.retryAfterSeconds ?? DEFAULT_PENDING_SECONDS, result.state ?? ctx.state);
  }
  await completeReset(deps.secrets, scope, stored, pending);
  const admin = backend.adminConnection(ctx, endpoint);
  await deps.pools.invalidate(admin.host, admin.port);
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

