import type { Logger } from 'pino';
import { ACTION_LABEL, RESET_PASSWORD_ACTION, RETRY_ACTION, SERVER_KIND } from '../api/constants.js';
import { Reason } from '../api/conditions.js';
import type { PostgreSQLServer } from '../api/types.js';
import type { ActionResult, Endpoint, Problem, ResolvedServer, ServerBackend, ServerContext, ServerObservation, SslMode } from '../backends/types.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import { readyOf } from '../reconcile/conditions.js';
import { chooseBackend } from './backend-choice.js';
import { afterAttempt, attemptsFor, nextStep, notConvergingMessage, type ConvergencePolicy } from './convergence.js';
import { credentialsData, endpointData } from './credentials.js';
import { credentialsSecretData, templateProblems } from './credentials-template.js';
import type { HandlerDeps } from './deps.js';
import { ensureFinalizer, writeStatus } from './object-ops.js';
import { beginReset, completeReset, loadPassword, type PasswordScope, type StoredPassword } from './password-store.js';
import type { SecretRead } from './secret-store.js';
import { ownerReference, serverContext } from './server-access.js';
import { serverLabels } from './labels.js';
import { serverStoreName } from './names.js';
import { databaseCounts } from './sharing.js';
import { deleteServer } from './server-deletion.js';
import { failWith, reportFailure, reportPending } from './reporting.js';
import { adoptionRecord, keptCredentialsData, takeoverPending } from './takeover.js';
import { secretConflictMessage, tmpPasswordOf } from './takeover-steps.js';
import { takeOverServer, reportAdoptionDifferences } from './server-takeover.js';
import { backupStatusFields, backupWarning, checkedRestoreSource, refusedRestore, reportBackupFailure, type CheckedRestore } from './server-backups.js';
import { maintenanceNote, maintenanceStatusFields, reportMaintenancePending } from './server-maintenance.js';

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
  const key = `${namespace}/${name}`;
  // Read fresh, not from the cache: the status carries the backend's resume state (e.g. a cloud
  // operation's token), and a run right after our own status write must not see the old one.
  const cached = deps.serverCache.get(namespace, name) ? await deps.servers.get(namespace, name) : undefined;
  if (!cached || cached.metadata.deletionTimestamp) deps.settled?.forget(key);
  if (!cached) return {};
  if (cached.metadata.deletionTimestamp) return deleteServer(deps, { ...cached, kind: SERVER_KIND }, log);
  let server: PostgreSQLServer = { ...(await ensureFinalizer(deps.servers, { ...cached, kind: SERVER_KIND })), kind: SERVER_KIND };
  const run = await prepare(deps, server);
  if (server.metadata.labels?.[ACTION_LABEL] === RETRY_ACTION) await retryUpdates(deps, server, key);
  if (run.invalid) return keepServing(deps, server, run, run.invalid);

  const reading = await observe(deps, server, run, key);
  const observed = reading.observed;
  // A restore source that does not fit is refused only while the restore is still to be done.
  await refusedRestore(deps, server, run.restore, observed);
  if (observed.state) run.ctx.state = observed.state;
  // Before anything changes: prove and take over what the Python operator left.
  const taken = run.takeover ? await takeOverServer(deps, server, run, observed) : { server };
  if (!('server' in taken)) return taken;
  server = taken.server;
  await reportAdoptionDifferences(deps, server, observed);
  const progress = await converge(deps, server, run.backend, run.ctx, observed);
  if ('outcome' in progress) return progress.outcome;

  const outcome = await serve(deps, server, run, { observed, stuck: progress.stuck }, log);
  return outcome ?? settle(deps, key, server, run, reading);
}

/** Remembers a fresh settled reading of a cloud server; says when to look again. */
function settle(deps: HandlerDeps, key: string, server: PostgreSQLServer, run: ServerRun, reading: Reading): ReconcileOutcome {
  const { observed } = reading;
  const checkMs = deps.config.reconcile.cloud_check_seconds * 1000;
  if (reading.readAt !== undefined && run.backend.observeCallsCloudApi) {
    const validMs = Math.min(checkMs, (observed.retryAfterSeconds ?? Infinity) * 1000);
    deps.settled?.remember(key, { uid: server.metadata.uid ?? '', generation: run.ctx.generation, readAt: reading.readAt, validMs }, observed);
  }
  // A backend may want to look again before the resync (e.g. when a maintenance window opens);
  // a reused reading is checked in the cloud again once it is due.
  const lookAgain = observed.retryAfterSeconds ?? reading.dueInSeconds;
  return lookAgain !== undefined && lookAgain < deps.config.reconcile.resync_seconds ? { requeueAfterSeconds: lookAgain } : {};
}

/**
 * A server that is up (up to date, or stuck on settings the cloud does not take): password reset,
 * credentials, the label's action, then Ready or NotConverging. An outcome only while a reset waits.
 */
async function serve(
  deps: HandlerDeps,
  server: PostgreSQLServer,
  run: ServerRun,
  { observed, stuck }: { observed: ServerObservation; stuck?: string[] },
  log: Logger,
): Promise<ReconcileOutcome | undefined> {
  const endpoint = observed.endpoint as Endpoint;
  const waiting = await resetAndPublish(deps, server, run, endpoint);
  if (waiting) return waiting;
  if (stuck) {
    if (run.ctx.requestedAction) await deferAction(deps, server, run.ctx.requestedAction);
    return void (await reportNotConverging(deps, server, run, { observed, stuck }, log));
  }
  if (run.ctx.requestedAction) await finishAction(deps, server, run.backend, run.ctx.requestedAction);
  await reportReady(deps, server, run, observed, log);
  return undefined;
}

/** One reading of the server: from the cloud, or the settled one of less than `cloud_check_seconds` ago. */
interface Reading {
  observed: ServerObservation;
  /** When a fresh read began (ms); unset for a reused one. */
  readAt?: number;
  /** For a reused reading: seconds until the next cloud check is due. */
  dueInSeconds?: number;
}

async function observe(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, key: string): Promise<Reading> {
  const reused = reusableReading(deps, server, run, key);
  if (reused) return { observed: reused.observation, dueInSeconds: reused.dueInSeconds };
  const readAt = Date.now();
  const observed = await deps.backendCall(run.backend.name, 'observe', () => run.backend.observe(run.ctx));
  return { observed, readAt };
}

/**
 * A cloud server that is settled (Ready or NotConverging for this generation, no label asking for
 * anything, no password being set) is read from the cloud once per `cloud_check_seconds`, not on
 * every resync: the cloud call budget (ADR 0014). Anything else is read at once.
 */
function reusableReading(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, key: string) {
  if (!deps.settled || !run.backend.observeCallsCloudApi) return undefined;
  if (server.metadata.labels?.[ACTION_LABEL] || run.stored.pending) return undefined;
  const ready = readyOf(server.status?.conditions);
  const settled = ready?.reason === Reason.Available || ready?.reason === Reason.NotConverging;
  if (!settled || ready?.observedGeneration !== server.metadata.generation) return undefined;
  return deps.settled.fresh(key, server.metadata.uid ?? '', run.ctx.generation);
}

/** The label operator/action=retry: the update attempts start again (the record first, then the label). */
async function retryUpdates(deps: HandlerDeps, server: PostgreSQLServer, key: string): Promise<void> {
  const { namespace, name } = server.metadata;
  if (server.status?.convergence) {
    await deps.servers.patchStatus(namespace, name, { convergence: null });
    delete server.status.convergence;
  }
  deps.settled?.forget(key);
  await deps.servers.patchMetadata(namespace, name, { labels: { [ACTION_LABEL]: null } });
  await deps.events.record(server, 'Normal', 'Retrying', 'update attempts start again (label operator/action=retry)');
}

function convergencePolicy(deps: HandlerDeps): ConvergencePolicy {
  return { maxAttempts: deps.config.reconcile.update_attempts, backoffSeconds: deps.config.reconcile.update_backoff_seconds };
}

/**
 * The cloud keeps reporting other values than the ones sent: the server stays usable (credentials,
 * databases), Ready=False says which settings, once as a Warning event.
 */
async function reportNotConverging(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, { observed, stuck }: { observed: ServerObservation; stuck: string[] }, log: Logger): Promise<void> {
  const endpoint = observed.endpoint as Endpoint;
  const message = notConvergingMessage(stuck, deps.config.reconcile.update_attempts);
  // Backups go on while a setting is stuck: a failed one is still reported, status.backup kept current.
  await reportBackupFailure(deps, server, observed);
  const heldBefore = server.status?.maintenance;
  const { reasonChanged } = await writeStatus(deps.servers, server, {
    status: 'False',
    reason: Reason.NotConverging,
    message,
    fields: {
      backend: run.backend.name,
      version: run.ctx.resolved.version,
      sizeClass: run.ctx.resolved.sizeClass,
      endpoint: { host: endpoint.host, port: endpoint.port, sslmode: endpoint.sslmode },
      backendState: run.ctx.state,
      ...backupStatusFields(server, observed),
      ...maintenanceStatusFields(observed),
    },
  });
  await reportMaintenancePending(deps, server, heldBefore, observed);
  if (reasonChanged) {
    await deps.events.record(server, 'Warning', Reason.NotConverging, message);
    log.warn({ backend: run.backend.name, stuck }, 'server not converging; the change is not sent again');
    // Its databases wait for a usable server: they go on now.
    deps.onServerReady?.(server.metadata.namespace, server.metadata.name);
  }
}

/** What one reconcile of a server works with, once the input is known to be good. */
export interface ServerRun {
  backend: ServerBackend;
  ctx: ServerContext;
  scope: PasswordScope;
  stored: StoredPassword;
  credentials: SecretRead;
  /** The Python operator created the server and the takeover is not recorded yet. */
  takeover?: boolean;
  /**
   * Set when the spec no longer passes the config's checks (e.g. its class was removed) for a
   * server that exists: it is neither observed nor changed, but stays usable (see `keepServing`).
   */
  invalid?: Problem;
  /** `spec.restoreFrom` while no restore is recorded in status (see `refusedRestore`). */
  restore?: CheckedRestore;
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
  const checked = await checkSpec(deps, server, backend);
  const templateProblem = templateProblems(server.spec.credentialsTemplate).join('; ');
  if (templateProblem) return failWith(deps, server, Reason.InvalidSpec, `spec.credentialsTemplate: ${templateProblem}`);
  const credentials = await deps.secrets.read(namespace, server.spec.credentialsSecret, server.metadata.uid ?? '');
  const takeover = takeoverPending(server);
  if (credentials.kind === 'foreign' && !(takeover && credentials.unowned)) {
    return failWith(deps, server, Reason.SecretConflict, secretConflictMessage(server, credentials.owner));
  }
  const scope: PasswordScope = {
    namespace,
    storeName: serverStoreName(name),
    credentials,
    owner: ownerReference(server),
    labels: serverLabels(name),
    length: deps.config.security.password_length,
    takeover: takeover ? { recover: tmpPasswordOf(deps, 'server', namespace, name) } : undefined,
  };
  const stored = await candidatePassword(deps, scope);
  const ctx = serverContext(server, checked.resolved, stored.password);
  // The backends keep what runs on a server the Python operator created (ServerContext.adoption).
  ctx.adoption = server.status?.adoption ?? (takeover ? adoptionRecord(server) : undefined);
  const restore = await checkedRestoreSource(deps, server, backend);
  if (restore) ctx.restore = restore.source;
  return { backend, ctx, scope, stored, credentials, takeover, invalid: checked.invalid, restore };
}

/** The stored password; the Python operator's Secret is only a candidate until a login proves it (nothing stored yet). */
async function candidatePassword(deps: HandlerDeps, scope: PasswordScope): Promise<StoredPassword> {
  const { credentials } = scope;
  if (credentials.kind !== 'foreign' || !credentials.unowned) return loadPassword(deps.secrets, scope);
  return { password: credentials.unowned.data.password ?? '', source: 'credentials', store: { kind: 'missing' }, record: {} };
}

/**
 * The backend's checks of the spec against the config. A failure is terminal for a server not
 * created yet; one that exists is served as it runs (status' version and class; see `keepServing`).
 */
async function checkSpec(deps: HandlerDeps, server: PostgreSQLServer, backend: ServerBackend): Promise<{ resolved: ResolvedServer; invalid?: Problem }> {
  if (server.spec.size?.storageGB === undefined) {
    // Not required by the CRD (the Python operator's was looser and CRs it stored must stay deletable).
    return failWith(deps, server, Reason.InvalidSpec, 'spec.size.storageGB: required; set it to the storage size in GB the server has (or should get)');
  }
  const checked = backend.validate(server.spec, { namespace: server.metadata.namespace, name: server.metadata.name });
  if (checked.ok) return { resolved: checked.resolved };
  const first = checked.problems[0];
  const invalid: Problem = { reason: first?.reason ?? Reason.InvalidSpec, field: first?.field ?? 'spec', message: checked.problems.map((p) => `${p.field}: ${p.message}`).join('; ') };
  const status = server.status ?? {};
  if (!status.endpoint || !status.version) return failWith(deps, server, invalid.reason, invalid.message);
  return { resolved: { version: status.version, sizeClass: status.sizeClass }, invalid };
}

/**
 * A server that exists but whose spec the config no longer accepts (its class or a limit removed,
 * a version dropped): nothing is observed or changed, the condition names the problem, and what
 * needs only identity goes on: a password reset, the credentials Secret. Databases keep working.
 * `status.maintenance` goes: nothing held is made in the window while the spec is refused (the
 * next observation after a fix schedules it again).
 */
async function keepServing(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, problem: Problem): Promise<ReconcileOutcome> {
  const known = server.status?.endpoint as NonNullable<NonNullable<PostgreSQLServer['status']>['endpoint']>;
  const endpoint: Endpoint = { host: known.host, port: known.port, sslmode: (known.sslmode ?? 'disable') as SslMode };
  const waiting = await resetAndPublish(deps, server, run, endpoint);
  if (waiting) return waiting;
  return failWith(deps, server, problem.reason, `${problem.message} (the server keeps running as it is; fix the spec or the config to change it)`, { maintenance: undefined });
}

/**
 * The admin password (a pending or asked-for reset applied first) published in the credentials
 * Secret; one path for a serving and a kept server. An outcome only while a reset waits.
 */
async function resetAndPublish(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, endpoint: Endpoint): Promise<ReconcileOutcome | undefined> {
  const wantsReset = server.metadata.labels?.[ACTION_LABEL] === RESET_PASSWORD_ACTION;
  let password = run.stored.password;
  let resetDone = wantsReset;
  if (wantsReset || run.stored.pending) {
    const reset = await resetAdminPassword(deps, server, run, endpoint);
    if (!('password' in reset)) return reset;
    password = reset.password;
    // A refused reset already removed the label and said so: no PasswordReset event.
    resetDone = wantsReset && !reset.refused;
  }
  await publishCredentials(deps, server, run, endpoint, password);
  if (resetDone) await finishReset(deps, server);
  return undefined;
}

async function publishCredentials(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, endpoint: Endpoint, password: string): Promise<void> {
  const admin = await run.backend.adminConnection({ ...run.ctx, adminPassword: password }, endpoint);
  const caCert = endpoint.caCert ?? admin.caCert;
  const input = { endpoint, database: admin.database, username: admin.user, password: admin.password, caCert };
  // Confidential admin credentials (a server the operator config declares) never leave where they
  // are kept, templates included; a Secret taken over from the Python operator keeps every value
  // apps connect with.
  const data = admin.confidential
    ? endpointData(endpoint, caCert)
    : credentialsSecretData(input, server.spec.credentialsTemplate, server.status?.adoption && run.credentials.kind === 'owned' ? keptCredentialsData(run.credentials.data, input, server.spec.credentialsTemplate) : credentialsData(input));
  const { namespace, name } = server.metadata;
  const written = await deps.secrets.write(namespace, server.spec.credentialsSecret, ownerReference(server), data, serverLabels(name), run.credentials);
  if (written === 'created' && server.status?.endpoint) {
    await deps.events.record(server, 'Warning', 'CredentialsRestored', `credentials Secret ${server.spec.credentialsSecret} was missing and has been recreated`);
  }
}

async function reportReady(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, observed: ServerObservation, log: Logger): Promise<void> {
  const endpoint = observed.endpoint as Endpoint;
  // A new generation may have changed spec.sharing: the databases look at their grant again.
  const generationChanged = server.status?.observedGeneration !== server.metadata.generation;
  const warnings = [observed.warning, backupWarning(observed), maintenanceNote(observed)].filter(Boolean);
  await reportBackupFailure(deps, server, observed);
  const heldBefore = server.status?.maintenance;
  const { reasonChanged } = await writeStatus(deps.servers, server, {
    status: 'True',
    reason: Reason.Available,
    message: warnings.length ? `server is ready; ${warnings.join('; ')}` : 'server is ready',
    fields: {
      ...databaseCounts(server, deps.databaseCache.list()),
      backend: run.backend.name,
      version: observed.version ?? run.ctx.resolved.version,
      sizeClass: run.ctx.resolved.sizeClass,
      endpoint: { host: endpoint.host, port: endpoint.port, sslmode: endpoint.sslmode },
      backendState: run.ctx.state,
      // Converged: the update attempts of this generation are done with.
      convergence: undefined,
      ...backupStatusFields(server, observed),
      ...maintenanceStatusFields(observed),
    },
  });
  await reportMaintenancePending(deps, server, heldBefore, observed);
  if (reasonChanged) {
    await deps.events.record(server, 'Normal', 'Ready', `server is ready at ${endpoint.host}:${endpoint.port}`);
    log.info({ backend: run.backend.name }, 'server ready');
  }
  if (reasonChanged || generationChanged) deps.onServerReady?.(server.metadata.namespace, server.metadata.name);
  if (observed.warning) await deps.events.record(server, 'Warning', 'ActionRequired', observed.warning);
}

/** Where converging got: work under way (look again), or done — up to date, or stuck on settings the cloud does not take. */
type Progress = { outcome: ReconcileOutcome } | { stuck?: string[] };

/** Creates, waits for or updates the server. */
async function converge(
  deps: HandlerDeps,
  server: PostgreSQLServer,
  backend: ServerBackend,
  ctx: ServerContext,
  observed: ServerObservation,
): Promise<Progress> {
  if (!observed.exists) {
    const result = await deps.backendCall(backend.name, 'create', () => backend.create(ctx));
    await recordNotice(deps, server, result.notice);
    return { outcome: await reportPending(deps, server, Reason.Creating, result.message, result.retryAfterSeconds, result.state ?? ctx.state, 'Creating') };
  }
  let stuck: string[] | undefined;
  // An out-of-date server is updated even when not ready: a config fix (image, registry) must be
  // able to repair a server that cannot start. Only work already in flight is waited for.
  if (!observed.upToDate && !observed.busy) {
    const update = await boundedUpdate(deps, server, backend, ctx, observed);
    if ('outcome' in update) return update;
    stuck = update.stuck;
  }
  if (observed.busy || !observed.ready || !observed.endpoint) {
    const reason = stuck ? Reason.NotConverging : server.status?.endpoint ? Reason.Updating : Reason.Creating;
    const message = stuck ? notConvergingMessage(stuck, deps.config.reconcile.update_attempts) : (observed.message ?? 'waiting for the server');
    return { outcome: await reportPending(deps, server, reason, message, observed.retryAfterSeconds ?? DEFAULT_PENDING_SECONDS, ctx.state) };
  }
  return { stuck };
}

/**
 * Sends the update, unless the differences had their attempts for this generation (then they are
 * reported stuck and nothing is sent) or the backoff since the last attempt is not over.
 */
async function boundedUpdate(
  deps: HandlerDeps,
  server: PostgreSQLServer,
  backend: ServerBackend,
  ctx: ServerContext,
  observed: ServerObservation,
): Promise<{ outcome: ReconcileOutcome } | { stuck: string[] }> {
  const differences = observed.differences?.length ? observed.differences : ['settings differ from the spec'];
  const now = new Date();
  const record = attemptsFor(server.status?.convergence, ctx.generation, differences);
  const step = nextStep(record, differences, convergencePolicy(deps), now);
  if (step.kind === 'stop') return { stuck: step.stuck };
  if (step.kind === 'wait') {
    const message = `${differences.join(', ')} still differ; update attempt ${step.nextAttempt} of ${deps.config.reconcile.update_attempts} in ${step.seconds} s`;
    return { outcome: await reportPending(deps, server, Reason.Updating, message, step.seconds, ctx.state, undefined, { convergence: record }) };
  }
  const result = await deps.backendCall(backend.name, 'update', () => backend.update(ctx, observed));
  await recordNotice(deps, server, result.notice);
  const convergence = afterAttempt(record, result.addressed ?? differences, now);
  const what = observed.differences?.length ? `updating ${observed.differences.join(', ')}` : result.message;
  return { outcome: await reportPending(deps, server, Reason.Updating, what, result.retryAfterSeconds, result.state ?? ctx.state, 'Updating', { convergence }) };
}

/** What a backend did on its own (e.g. repaired an interrupted operation) becomes a Warning event. */
async function recordNotice(deps: HandlerDeps, server: PostgreSQLServer, notice: ActionResult['notice']): Promise<void> {
  if (notice) await deps.events.record(server, 'Warning', notice.reason, notice.message);
}

/** Applies a pending (or new) admin password; kill-safe because the pending one is stored first. */
async function resetAdminPassword(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, endpoint: Endpoint): Promise<{ password: string; refused?: boolean } | ReconcileOutcome> {
  const { backend, ctx, scope, stored } = run;
  const pending = await beginReset(deps.secrets, scope, stored);
  const result = await deps.backendCall(backend.name, 'setAdminPassword', () => backend.setAdminPassword(ctx, pending, endpoint));
  if (result.refused) {
    // Nothing was changed: the pending password is dropped and the request with it.
    await completeReset(deps.secrets, scope, stored, stored.password);
    await deps.servers.patchMetadata(server.metadata.namespace, server.metadata.name, { labels: { [ACTION_LABEL]: null } });
    await deps.events.record(server, 'Warning', 'PasswordResetRefused', result.message);
    return { password: stored.password, refused: true };
  }
  if (!result.applied) {
    return reportPending(deps, server, Reason.ResettingPassword, result.message, result.retryAfterSeconds ?? DEFAULT_PENDING_SECONDS, result.state ?? ctx.state);
  }
  await completeReset(deps.secrets, scope, stored, pending);
  const admin = await backend.adminConnection(ctx, endpoint);
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

/**
 * A stuck server sends no update, so the label's action (e.g. restart) would wait unseen and keep
 * every resync reading the cloud: the label goes, and a Warning says how to get it done.
 */
async function deferAction(deps: HandlerDeps, server: PostgreSQLServer, action: string): Promise<void> {
  await deps.servers.patchMetadata(server.metadata.namespace, server.metadata.name, { labels: { [ACTION_LABEL]: null } });
  const message = `action "${action}" not carried out: the server is not converging; it waits until the stuck settings converge (fix the spec, or set the label operator/action=${RETRY_ACTION} to try them again), then set operator/action=${action} again`;
  await deps.events.record(server, 'Warning', 'ActionDeferred', message);
}

async function finishReset(deps: HandlerDeps, server: PostgreSQLServer): Promise<void> {
  await deps.servers.patchMetadata(server.metadata.namespace, server.metadata.name, { labels: { [ACTION_LABEL]: null } });
  await deps.events.record(server, 'Normal', 'PasswordReset', `admin password reset; Secret ${server.spec.credentialsSecret} updated`);
}


