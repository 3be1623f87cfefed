import type { Logger } from 'pino';
import { DATABASE_KIND, SERVER_KIND } from '../api/constants.js';
import { Reason } from '../api/conditions.js';
import type { PostgreSQLDatabase, PostgreSQLServer, RotationStatus } from '../api/types.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import { isSettled } from '../reconcile/object-state.js';
import { secondLogin, validatePgName } from '../postgres/index.js';
import { grantOf, pgNameFor, serverRefOf, withinQuota } from './sharing.js';
import { templateProblems } from './credentials-template.js';
import { settleCredentials } from './database-credentials.js';
import { currentLogin } from './password-rotation.js';
import type { HandlerDeps } from './deps.js';
import { ensureFinalizer, writeStatus } from './object-ops.js';
import { loadPassword, type PasswordScope, type StoredPassword } from './password-store.js';
import { leftByPredecessor, type SecretRead } from './secret-store.js';
import { ownerReference, serverAccess, type ServerAccess } from './server-access.js';
import { databaseLabels } from './labels.js';
import { databaseStoreName } from './names.js';
import { failWith, reportFailure, reportPending } from './reporting.js';
import { deleteDatabase } from './database-deletion.js';
import { serverUsable } from './server-usable.js';
import { applyDatabase, type AppliedDatabase } from './database-sql.js';
import { takeoverPending } from './takeover.js';
import { recordTakeover, secretConflictMessage, tmpPasswordOf } from './takeover-steps.js';
import { adoptDatabaseSecret, announceOwnerChange, ownerBeforeTakeover } from './database-takeover.js';

const WAIT_FOR_SERVER_SECONDS = 15;
const LABELS_WAIT_SECONDS = 2;
/** The condition a database carries while its namespace's grant is withdrawn (it keeps working). */
export const GRANT_REVOKED = 'GrantRevoked';

/**
 * The database loop: get → deleting? → finalizer → names → server Ready? → conflicts and
 * allow-lists → password (stored first) → role, database, extensions → reset label → credentials → Ready.
 */
export async function reconcileDatabase(deps: HandlerDeps, namespace: string, name: string, log: Logger): Promise<ReconcileOutcome> {
  try {
    return await reconcileDatabaseOnce(deps, namespace, name, log);
  } catch (err) {
    const current = deps.databaseCache.get(namespace, name);
    await reportFailure(deps, current && { ...current, kind: DATABASE_KIND }, err);
    throw err;
  }
}

async function reconcileDatabaseOnce(deps: HandlerDeps, namespace: string, name: string, log: Logger): Promise<ReconcileOutcome> {
  const cached = deps.databaseCache.get(namespace, name);
  if (!cached) return {};
  if (cached.metadata.deletionTimestamp) return deleteDatabase(deps, { ...cached, kind: DATABASE_KIND }, log);
  const seen: PostgreSQLDatabase = { ...cached, kind: DATABASE_KIND };
  // The finalizer has to be on the object before anything exists outside the API server (role,
  // database). The checks, the reads and the password store (a Secret the CR owns, collected with
  // it) do not: they run while the finalizer is written, which takes that write off the critical path.
  const [finalized, prepared] = await Promise.allSettled([ensureFinalizer(deps.databases, seen), findAndPrepare(deps, seen)]);
  if (finalized.status === 'rejected') throw finalized.reason;
  if (prepared.status === 'rejected') throw prepared.reason;
  if ('requeueAfterSeconds' in prepared.value) return prepared.value;
  let db: PostgreSQLDatabase = { ...finalized.value, kind: DATABASE_KIND };
  const { run, server } = prepared.value;
  if (run.invalid) {
    // It exists, but the config no longer allows all it has: nothing is changed in it, the
    // condition says why, and its password reset and Secret go on.
    await settleCredentials(deps, db, run, log);
    return failWith(deps, db, Reason.ExtensionNotAllowed, `${run.invalid} (the database keeps what it has; fix the spec or the config to change it)`);
  }
  // Taken over from the Python operator: recorded once the password is ours, before any SQL.
  if (run.takeover) db = await recordTakeover(deps, db);
  const ownerBefore = await ownerBeforeTakeover(deps, db, run.access, run.pgName);

  const applied = await applyDatabase(deps, run.access, {
    name: run.pgName,
    role: run.pgName,
    login: currentLogin(run.stored, run.pgName),
    password: run.stored.password,
    // Until the database has been Ready once, an existing role gets the stored password again: a
    // kill may have come between storing a new password and setting it. Not a role taken over from
    // the Python operator: its password was proven by a login, or is applied as a pending one.
    passwordIsNew: !db.status?.database && !db.status?.adoption,
    spec: db.spec,
    settled: isSettled(db),
    claimant: `${namespace}/${name}`,
    strict: run.access.backend.databasePolicy(server.spec).adoptUnclaimed === false,
  });
  await deps.failpoint?.('database:applied');
  await announceOwnerChange(deps, db, run.pgName, ownerBefore);
  await reportRepairs(deps, db, run.pgName, applied);
  const settled = await settleCredentials(deps, db, run, log);
  await reportReady(deps, db, server, { run, rotation: settled.rotation }, log);
  return settled.requeueAfterSeconds !== undefined && settled.requeueAfterSeconds < deps.config.reconcile.resync_seconds ? { requeueAfterSeconds: settled.requeueAfterSeconds } : {};
}

/** Warnings for what was found missing and made again; a note when an existing database was taken over. */
async function reportRepairs(deps: HandlerDeps, db: PostgreSQLDatabase, pgName: string, applied: AppliedDatabase): Promise<void> {
  if (db.status?.database) {
    if (applied.roleCreated) await deps.events.record(db, 'Warning', 'RoleRecreated', `role ${pgName} was missing in the server and has been recreated with the stored password`);
    if (applied.created) await deps.events.record(db, 'Warning', 'DatabaseRecreated', `database ${pgName} was missing in the server and has been recreated empty`);
  } else if (applied.adopted && !applied.created && !db.status?.adoption) {
    // Kept by an earlier object of this name (deletionPolicy Retain), or made by hand: its role's
    // password was just set. (A takeover from the Python operator reports itself.)
    await deps.events.record(db, 'Normal', 'Adopted', `existing database ${pgName} and its role taken over; the role's password was reset`);
  }
}

type Later = ReconcileOutcome & { requeueAfterSeconds: number };

async function findAndPrepare(deps: HandlerDeps, db: PostgreSQLDatabase): Promise<{ run: DatabaseRun; server: PostgreSQLServer } | Later> {
  const target = await findServer(deps, db);
  if ('requeueAfterSeconds' in target) return target;
  const run = await prepare(deps, db, target.server, target.pgName);
  return 'requeueAfterSeconds' in run ? run : { run: { ...run, revoked: target.revoked }, server: target.server };
}

interface FoundServer {
  server: PostgreSQLServer;
  pgName: string;
  /** The namespace's grant was withdrawn after the database was made: it keeps working, with a warning. */
  revoked: boolean;
}

/** The server the database lives in, Ready; or when to look again. Bad names, refusals and conflicts fail. */
async function findServer(deps: HandlerDeps, db: PostgreSQLDatabase): Promise<FoundServer | ReconcileOutcome & { requeueAfterSeconds: number }> {
  const { namespace } = db.metadata;
  const ref = serverRefOf(db);
  const server = deps.serverCache.get(ref.namespace, ref.name);
  if (!server) {
    // Not terminal: the server may be created later (its Ready transition enqueues this database).
    const watched = deps.config.watch_namespaces;
    const unwatched = watched.length > 0 && !watched.includes(ref.namespace) ? ` (the operator does not watch namespace ${ref.namespace})` : '';
    const message = `PostgreSQLServer ${ref.name} not found in namespace ${ref.namespace}${unwatched}`;
    const { reasonChanged } = await writeStatus(deps.databases, db, { status: 'False', reason: Reason.ServerNotFound, message });
    if (reasonChanged) await deps.events.record(db, 'Warning', Reason.ServerNotFound, message);
    return { requeueAfterSeconds: 60 };
  }
  const pgName = db.status?.database ?? pgNameFor(db, ref.namespace);
  const nameProblem = validatePgName(pgName);
  if (nameProblem) return failWith(deps, db, Reason.InvalidName, `database name "${pgName}" (from ${ref.namespace === namespace ? 'metadata.name' : 'the namespace and metadata.name'}): ${nameProblem}`);
  const templateProblem = templateProblems(db.spec.credentialsTemplate).join('; ');
  if (templateProblem) return failWith(deps, db, Reason.InvalidSpec, `spec.credentialsTemplate: ${templateProblem}`);
  const grant = await checkGrant(deps, db, server);
  // The server column of `kubectl get pgdb -A` names it from the first look on.
  const shown = { server: `${ref.namespace}/${ref.name}` };
  if (grant === 'unknown') return reportPending(deps, db, Reason.Pending, `waiting for the labels of namespace ${namespace}: PostgreSQLServer ${ref.namespace}/${ref.name} grants by label (the operator needs to list and watch namespaces)`, LABELS_WAIT_SECONDS, undefined, undefined, shown) as Promise<{ requeueAfterSeconds: number }>;
  const revoked = grant === 'revoked';
  if (!serverUsable(server)) {
    return reportPending(deps, db, Reason.WaitingForServer, `waiting for PostgreSQLServer ${ref.namespace}/${ref.name} to be ready`, WAIT_FOR_SERVER_SECONDS, undefined, undefined, shown) as Promise<{ requeueAfterSeconds: number }>;
  }
  return { server, pgName, revoked };
}

/**
 * A database from another namespace needs the server's grant (spec.sharing) and a place in its
 * namespace's quota before anything is made. One made before its grant was withdrawn stays
 * (`revoked`); while a label grant cannot be decided yet (`unknown`), a made one carries on.
 */
async function checkGrant(deps: HandlerDeps, db: PostgreSQLDatabase, server: PostgreSQLServer): Promise<'ok' | 'revoked' | 'unknown'> {
  const { namespace } = db.metadata;
  if (namespace === server.metadata.namespace) return 'ok';
  const made = !!db.status?.database && db.status.serverUid === server.metadata.uid;
  const serverName = `${server.metadata.namespace}/${server.metadata.name}`;
  const grant = grantOf(server, namespace, (ns) => deps.namespaceLabels(ns));
  if (grant === 'unknown') return made ? 'ok' : 'unknown';
  if (grant === 'refused') {
    if (made) return 'revoked';
    return failWith(deps, db, Reason.NotPermitted, `namespace ${namespace} is not granted by PostgreSQLServer ${serverName} (its spec.sharing lists the namespaces that may use it)`, { server: serverName });
  }
  if (!made && !withinQuota(db, server, deps.databaseCache.list())) {
    const max = server.spec.sharing?.maxDatabasesPerNamespace ?? 0;
    return failWith(deps, db, Reason.QuotaExceeded, `namespace ${namespace} has its ${max} database(s) on PostgreSQLServer ${serverName} (spec.sharing.maxDatabasesPerNamespace)`, { server: serverName });
  }
  return 'ok';
}


export interface DatabaseRun {
  pgName: string;
  revoked?: boolean;
  access: ServerAccess;
  credentials: SecretRead;
  scope: PasswordScope;
  stored: StoredPassword;
  /** The Python operator created the database and the takeover is not recorded yet. */
  takeover: boolean;
  /** Why the config no longer accepts a database that exists (it is then kept as it is). */
  invalid?: string;
}

/** The spec's extensions the backend's allow-list does not have, said in words; undefined when none. */
function extensionProblem(db: PostgreSQLDatabase, allowed: string[]): string | undefined {
  const unknown = (db.spec.database?.extensions ?? []).filter((e) => !allowed.includes(e));
  return unknown.length ? `extensions not allowed on this server: ${unknown.join(', ')}; allowed: ${allowed.join(', ') || 'none'}` : undefined;
}

/** Checks the allow-list and the Secret's owner, then loads (or stores) the password. */
async function prepare(deps: HandlerDeps, db: PostgreSQLDatabase, server: PostgreSQLServer, pgName: string): Promise<DatabaseRun | Later> {
  const access = await serverAccess(deps, server);
  const invalid = extensionProblem(db, access.backend.databasePolicy(server.spec).allowedExtensions);
  // A database that exists keeps what it has (see `DatabaseRun.invalid`); a new one is refused.
  if (invalid && !db.status?.database) return failWith(deps, db, Reason.ExtensionNotAllowed, invalid);
  const { namespace, name } = db.metadata;
  const self = { kind: DATABASE_KIND, name, uid: db.metadata.uid ?? '' };
  const [credentials, store] = await Promise.all([
    deps.secrets.read(namespace, db.spec.credentialsSecret, self.uid),
    deps.secrets.read(namespace, databaseStoreName(name), self.uid, { trustCache: true }),
  ]);
  const leftover = leftByPredecessor(credentials, self) ? db.spec.credentialsSecret : leftByPredecessor(store, self) ? databaseStoreName(name) : undefined;
  if (leftover) {
    // Deleted and created again: the earlier object's Secrets are the garbage collector's to remove.
    return reportPending(deps, db, Reason.Pending, `waiting for Secret ${leftover} of the previous PostgreSQLDatabase ${name} to be garbage-collected`, 2) as Promise<Later>;
  }
  const takeover = takeoverPending(db);
  if (credentials.kind === 'foreign' && !(takeover && credentials.unowned)) {
    return failWith(deps, db, Reason.SecretConflict, secretConflictMessage(db, credentials.owner));
  }
  const scope: PasswordScope = {
    namespace,
    storeName: databaseStoreName(name),
    credentials,
    owner: ownerReference(db),
    labels: databaseLabels(server.metadata.name, name),
    length: deps.config.security.password_length,
    takeover: takeover ? { recover: tmpPasswordOf(deps, 'database', namespace, name) } : undefined,
    secondLogin: secondLogin(pgName),
  };
  if (credentials.kind === 'foreign' && credentials.unowned) {
    const stored = await adoptDatabaseSecret(deps, db, { access, pgName, scope, unowned: credentials.unowned });
    const owned: SecretRead = { kind: 'owned', data: credentials.unowned.data };
    return { pgName, access, credentials: owned, scope: { ...scope, credentials: owned }, stored, takeover, invalid };
  }
  return { pgName, access, credentials, scope, stored: await loadPassword(deps.secrets, scope), takeover, invalid };
}

async function reportReady(deps: HandlerDeps, db: PostgreSQLDatabase, server: PostgreSQLServer, ready: { run: DatabaseRun; rotation: RotationStatus }, log: Logger): Promise<void> {
  const { run, rotation } = ready;
  const { pgName } = run;
  const serverName = `${server.metadata.namespace}/${server.metadata.name}`;
  const revokedMessage = `namespace ${db.metadata.namespace} is no longer granted by PostgreSQLServer ${serverName}; this database keeps working, but no new one can be made`;
  const hadWarning = db.status?.conditions?.some((c) => c.type === GRANT_REVOKED);
  const admitted = db.metadata.namespace !== server.metadata.namespace && !db.status?.database;
  const { reasonChanged } = await writeStatus(deps.databases, db, {
    status: 'True',
    reason: Reason.Available,
    message: `database ${pgName} is ready`,
    fields: { database: pgName, username: pgName, serverUid: server.metadata.uid, server: serverName, passwordRotation: rotation },
    sideConditions: { [GRANT_REVOKED]: run.revoked ? { status: 'True', reason: 'NamespaceNotGranted', message: revokedMessage } : null },
  });
  if (run.revoked && !hadWarning) await deps.events.record(db, 'Warning', GRANT_REVOKED, revokedMessage);
  if (reasonChanged) {
    await deps.events.record(db, 'Normal', 'Ready', `database ${pgName} is ready in server ${serverName}`);
    deps.onDatabaseReady?.(db.metadata.namespace, db.metadata.name);
    log.info({ database: pgName }, 'database ready');
    deps.onDatabaseChanged?.(server.metadata.namespace, server.metadata.name);
    if (admitted) {
      // The server's owners see who uses their server from elsewhere.
      await deps.events.record({ ...server, kind: SERVER_KIND }, 'Normal', 'DatabaseAdmitted', `database ${pgName} made for PostgreSQLDatabase ${db.metadata.namespace}/${db.metadata.name}`);
    }
  }
}
