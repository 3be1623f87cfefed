import type { Logger } from 'pino';
import { Reason } from '../api/conditions.js';
import { PermanentError } from '../api/errors.js';
import type { DeletionPolicy, PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import { databaseClaimant, dropDatabaseAndRole, dropLeftoverRole, roleClaimant, type Queryable, type ServerPools } from '../postgres/index.js';
import { readyOf } from '../reconcile/conditions.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import type { HandlerDeps } from './deps.js';
import { holdsDeletion, removeFinalizer } from './object-ops.js';
import { errorMessage, reportPending } from './reporting.js';
import { serverAccess, type ServerAccess } from './server-access.js';
import { serverUsable } from './server-usable.js';
import { fromPythonOperator } from './takeover.js';
import { pgNameFor, serverRefOf } from './sharing.js';

const WAIT_SECONDS = 15;

/**
 * Drops the database and its role (connections terminated first), or keeps both when the
 * deletion policy is Retain (the credentials Secret goes with the CR either way). A server that is
 * gone or going takes its databases with it, so the CR is released rather than left hanging.
 *
 * Whatever a failed reconcile left (a role made before the server refused the database) is found
 * by its claim and dropped too, so nothing half-made outlives the CR. The server must be usable
 * (see server-usable.ts), not Ready: a server the config no longer fully accepts (its class
 * removed) still runs, and its databases must still be deletable.
 */
export async function deleteDatabase(deps: HandlerDeps, db: PostgreSQLDatabase, log: Logger): Promise<ReconcileOutcome> {
  if (!holdsDeletion(db)) return {};
  const ref = serverRefOf(db);
  const server = deps.serverCache.get(ref.namespace, ref.name);
  const pythonMade = madeByPythonOperator(db);
  // Without an endpoint the server never served, so nothing was made in it (unless the Python operator made it).
  if (!server || !belongsTo(db, server) || server.metadata.deletionTimestamp || (!server.status?.endpoint && !pythonMade)) {
    await removeFinalizer(deps.databases, db);
    log.info('released without SQL: the server is gone or going, or never served (so nothing was created)');
    return {};
  }
  const name = db.status?.database ?? pgNameFor(db, ref.namespace);
  if ((await deletionPolicy(deps, db, server)) === 'Retain') return retain(deps, db, ref, name, pythonMade);
  if (!serverUsable(server)) return waitForServer(deps, db, server, name, pythonMade);
  let access: ServerAccess;
  try {
    access = await serverAccess(deps, server);
  } catch (err) {
    return reportPending(deps, db, Reason.Deleting, `waiting to reach PostgreSQLServer ${server.metadata.name} to drop the database: ${errorMessage(err)}`, WAIT_SECONDS);
  }
  await dropWhatIsOurs(deps, db, access, access.backend.databasePolicy(server.spec).adoptUnclaimed !== false, pythonMade);
  await removeFinalizer(deps.databases, db);
  deps.onDatabaseChanged?.(ref.namespace, ref.name);
  return {};
}

/** No SQL at all: a Retain needs nothing of the server, so it never waits for one. */
async function retain(deps: HandlerDeps, db: PostgreSQLDatabase, ref: { namespace: string; name: string }, name: string, pythonMade: boolean): Promise<ReconcileOutcome> {
  if (db.status?.database || pythonMade) {
    await deps.events.record(db, 'Normal', 'Retained', `database ${name} and its role kept (deletionPolicy Retain); a PostgreSQLDatabase of the same name in this namespace takes them back`);
  }
  await removeFinalizer(deps.databases, db);
  deps.onDatabaseChanged?.(ref.namespace, ref.name);
  return {};
}

/** The server is the one the database was created on (not one re-created under the same name). */
function belongsTo(db: PostgreSQLDatabase, server: PostgreSQLServer): boolean {
  return !db.status?.serverUid || db.status.serverUid === server.metadata.uid;
}

/**
 * Made by the Python operator and never reconciled here: it exists under the name the Python
 * operator gave it (metadata.name with dashes as underscores, as toPgName) and is dropped as it would have.
 */
function madeByPythonOperator(db: PostgreSQLDatabase): boolean {
  return !db.status?.database && fromPythonOperator(db);
}

/**
 * Dropping needs a usable server. A database the Python operator made is never released without
 * SQL meanwhile (the old hole: its server in SecretConflict let it go, leaving database and role):
 * it waits, says so once with a Warning, and names the way to keep it instead.
 */
async function waitForServer(deps: HandlerDeps, db: PostgreSQLDatabase, server: PostgreSQLServer, name: string, pythonMade: boolean): Promise<ReconcileOutcome> {
  if (!pythonMade) return reportPending(deps, db, Reason.Deleting, `waiting for PostgreSQLServer ${server.metadata.name} to be ready to drop the database`, WAIT_SECONDS);
  const now = readyOf(server.status?.conditions)?.reason ?? 'not reconciled yet';
  const message = `database ${name} was created by the Python operator and is dropped once PostgreSQLServer ${server.metadata.name} is ready (now: ${now}); to keep the database and its role instead, remove this object's finalizers by hand`;
  const reported = readyOf(db.status?.conditions)?.reason === Reason.DeletionBlocked;
  const outcome = await reportPending(deps, db, Reason.DeletionBlocked, message, WAIT_SECONDS);
  if (!reported) await deps.events.record(db, 'Warning', Reason.DeletionBlocked, message);
  return outcome;
}

async function dropWhatIsOurs(deps: HandlerDeps, db: PostgreSQLDatabase, access: ServerAccess, adoptUnclaimed: boolean, pythonMade: boolean): Promise<void> {
  const name = db.status?.database ?? pgNameFor(db, serverRefOf(db).namespace);
  const role = db.status?.username ?? name;
  const pools = deps.pools.forServer(access.admin);
  const mine = `${db.metadata.namespace}/${db.metadata.name}`;
  const holder = await databaseClaimant(pools.admin, name);
  if (!db.status?.database && !pythonMade && holder !== mine) {
    // Never made (by this CR): at most a role made for it before the server refused the database.
    await dropLeftovers(deps, db, pools, role, mine);
    return;
  }
  const foreign = await foreignHolder(pools.admin, holder, role, mine, adoptUnclaimed);
  if (foreign) {
    // Another PostgreSQLDatabase owns it (two server CRs naming one physical server), or, on a
    // server that existed before the operator, nothing proves it ours: never drop.
    await deps.events.record(db, 'Warning', Reason.DatabaseConflict, `database ${name} belongs to ${foreign}; not dropped`);
    return;
  }
  await dropOrKeep(deps, db, () => dropDatabaseAndRole(pools, { database: name, role }), `database ${name} and its role dropped`);
}

/** Who else a database belongs to, or undefined when it is ours to drop. */
async function foreignHolder(q: Queryable, holder: string | undefined, role: string, mine: string, adoptUnclaimed: boolean): Promise<string | undefined> {
  if (holder) return holder === mine ? undefined : `PostgreSQLDatabase ${holder}`;
  if (adoptUnclaimed || (await roleClaimant(q, role)) === mine) return undefined;
  return 'someone else (it carries no claim of this operator)';
}

/**
 * `spec.deletionPolicy`, else the backend's config: `database_delete_fake` means Retain. A backend
 * that cannot be built from the config any more decides nothing here: Delete, and the drop then
 * waits with a condition that says why (never a throw on the way to the finalizer).
 */
export async function deletionPolicy(deps: HandlerDeps, db: PostgreSQLDatabase, server: PostgreSQLServer): Promise<DeletionPolicy> {
  if (db.spec.deletionPolicy) return db.spec.deletionPolicy;
  const backend = server.status?.backend;
  if (!backend) return 'Delete';
  try {
    return (await deps.backends.get(backend)).databasePolicy(server.spec).dropOnDelete ? 'Delete' : 'Retain';
  } catch {
    return 'Delete';
  }
}

/**
 * Drops, unless what is there turns out not to be ours (another owner, the admin's own role): then
 * it is kept and said so, and the CR still goes. A conflict must not make a CR undeletable.
 */
async function dropOrKeep(deps: HandlerDeps, db: PostgreSQLDatabase, drop: () => Promise<unknown>, done: string): Promise<void> {
  try {
    await drop();
  } catch (err) {
    if (!(err instanceof PermanentError) || err.reason !== Reason.DatabaseConflict) throw err;
    await deps.events.record(db, 'Warning', Reason.DatabaseConflict, `not dropped, kept as it is: ${err.message}`);
    return;
  }
  await deps.events.record(db, 'Normal', 'Deleted', done);
}

/** The database was never made: drop the role only if it was made for this CR (its claim says so). */
async function dropLeftovers(deps: HandlerDeps, db: PostgreSQLDatabase, pools: ServerPools, role: string, mine: string): Promise<void> {
  if ((await roleClaimant(pools.admin, role)) !== mine) return;
  await dropOrKeep(deps, db, () => dropLeftoverRole(pools, role), `role ${role}, left by a database that was never created, dropped`);
}
