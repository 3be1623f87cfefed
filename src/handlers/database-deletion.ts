import type { Logger } from 'pino';
import { Reason } from '../api/conditions.js';
import type { DeletionPolicy, PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import { databaseClaimant, dropDatabaseAndRole, roleClaimant, toPgName, type Queryable } from '../postgres/index.js';
import { readyOf } from '../reconcile/conditions.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import type { HandlerDeps } from './deps.js';
import { holdsDeletion, removeFinalizer } from './object-ops.js';
import { reportPending } from './reporting.js';
import { serverAccess } from './server-access.js';
import { serverUsable } from './server-usable.js';
import { fromPythonOperator } from './takeover.js';
import { serverRefOf } from './sharing.js';

/**
 * Drops the database and its role (connections terminated first), or keeps both when the
 * deletion policy is Retain (the credentials Secret goes with the CR either way). A server that is gone or going takes its databases with it, so the
 * CR is released rather than left hanging.
 */
export async function deleteDatabase(deps: HandlerDeps, db: PostgreSQLDatabase, log: Logger): Promise<ReconcileOutcome> {
  if (!holdsDeletion(db)) return {};
  const ref = serverRefOf(db);
  const server = deps.serverCache.get(ref.namespace, ref.name);
  const pythonMade = madeByPythonOperator(db);
  if (!server || !belongsTo(db, server) || server.metadata.deletionTimestamp || (!db.status?.database && !pythonMade)) {
    await removeFinalizer(deps.databases, db);
    log.info('released without SQL: the server is gone or the database was never created');
    return {};
  }
  const name = db.status?.database ?? toPgName(db.metadata.name);
  if ((await deletionPolicy(deps, db, server)) === 'Retain') {
    // No SQL at all: a Retain needs nothing of the server, so it never waits for one.
    await deps.events.record(db, 'Normal', 'Retained', `database ${name} and its role kept (deletionPolicy Retain); a PostgreSQLDatabase of the same name in this namespace takes them back`);
    await removeFinalizer(deps.databases, db);
    deps.onDatabaseChanged?.(ref.namespace, ref.name);
    return {};
  }
  if (!serverUsable(server)) return waitForServer(deps, db, server, name, pythonMade);
  const access = await serverAccess(deps, server);
  const role = db.status?.username ?? name;
  const pools = deps.pools.forServer(access.admin);
  const policy = access.backend.databasePolicy(server.spec);
  const foreign = await foreignHolder(pools.admin, { database: name, role }, `${db.metadata.namespace}/${db.metadata.name}`, policy.adoptUnclaimed !== false);
  if (foreign) {
    // Another PostgreSQLDatabase owns it (two server CRs naming one physical server), or, on a
    // server that existed before the operator, nothing proves it ours: never drop.
    await deps.events.record(db, 'Warning', Reason.DatabaseConflict, `database ${name} belongs to ${foreign}; not dropped`);
  } else {
    await dropDatabaseAndRole(pools, { database: name, role });
    await deps.events.record(db, 'Normal', 'Deleted', `database ${name} and its role dropped`);
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
 * Dropping needs the server Ready. A database the Python operator made is never released without
 * SQL meanwhile (the old hole: its server in SecretConflict let it go, leaving database and role):
 * it waits, says so once with a Warning, and names the way to keep it instead.
 */
async function waitForServer(deps: HandlerDeps, db: PostgreSQLDatabase, server: PostgreSQLServer, name: string, pythonMade: boolean): Promise<ReconcileOutcome> {
  if (!pythonMade) return reportPending(deps, db, Reason.Deleting, `waiting for PostgreSQLServer ${server.metadata.name} to be ready to drop the database`, 15);
  const now = readyOf(server.status?.conditions)?.reason ?? 'not reconciled yet';
  const message = `database ${name} was created by the Python operator and is dropped once PostgreSQLServer ${server.metadata.name} is ready (now: ${now}); to keep the database and its role instead, remove this object's finalizers by hand`;
  const reported = readyOf(db.status?.conditions)?.reason === Reason.DeletionBlocked;
  const outcome = await reportPending(deps, db, Reason.DeletionBlocked, message, 15);
  if (!reported) await deps.events.record(db, 'Warning', Reason.DeletionBlocked, message);
  return outcome;
}

/** Who else a database belongs to, or undefined when it is ours to drop. */
async function foreignHolder(q: Queryable, target: { database: string; role: string }, mine: string, adoptUnclaimed: boolean): Promise<string | undefined> {
  const holder = await databaseClaimant(q, target.database);
  if (holder) return holder === mine ? undefined : `PostgreSQLDatabase ${holder}`;
  if (adoptUnclaimed || (await roleClaimant(q, target.role)) === mine) return undefined;
  return 'someone else (it carries no claim of this operator)';
}

/** `spec.deletionPolicy`, else the backend's config: `database_delete_fake` means Retain. */
export async function deletionPolicy(deps: HandlerDeps, db: PostgreSQLDatabase, server: PostgreSQLServer): Promise<DeletionPolicy> {
  if (db.spec.deletionPolicy) return db.spec.deletionPolicy;
  const backend = server.status?.backend;
  if (!backend) return 'Delete';
  return (await deps.backends.get(backend)).databasePolicy(server.spec).dropOnDelete ? 'Delete' : 'Retain';
}
