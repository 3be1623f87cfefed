import type { Logger } from 'pino';
import { FINALIZER } from '../api/constants.js';
import { Reason } from '../api/conditions.js';
import type { PostgreSQLDatabase } from '../api/types.js';
import { databaseClaimant, dropDatabaseAndRole, roleClaimant, toPgName, type Queryable } from '../postgres/index.js';
import { readyOf } from '../reconcile/conditions.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import type { HandlerDeps } from './deps.js';
import { removeFinalizer } from './object-ops.js';
import { reportPending } from './reporting.js';
import { serverAccess } from './server-access.js';
import { serverRefOf } from './sharing.js';

/**
 * Drops the database and its role (connections terminated first), or keeps everything when the
 * backend's policy says so. A server that is gone or going takes its databases with it, so the
 * CR is released rather than left hanging.
 */
export async function deleteDatabase(deps: HandlerDeps, db: PostgreSQLDatabase, log: Logger): Promise<ReconcileOutcome> {
  if (!db.metadata.finalizers?.includes(FINALIZER)) return {};
  const ref = serverRefOf(db);
  const server = deps.serverCache.get(ref.namespace, ref.name);
  const ours = server && (!db.status?.serverUid || db.status.serverUid === server.metadata.uid);
  if (!server || !ours || server.metadata.deletionTimestamp || !db.status?.database) {
    await removeFinalizer(deps.databases, db);
    log.info('released without SQL: the server is gone or the database was never created');
    return {};
  }
  if (readyOf(server.status?.conditions)?.status !== 'True') {
    return reportPending(deps, db, Reason.Deleting, `waiting for PostgreSQLServer ${server.metadata.name} to be ready to drop the database`, 15);
  }
  const access = await serverAccess(deps, server);
  const name = db.status.database ?? toPgName(db.metadata.name);
  const role = db.status.username ?? name;
  const pools = deps.pools.forServer(access.admin);
  const policy = access.backend.databasePolicy(server.spec);
  const foreign = await foreignHolder(pools.admin, { database: name, role }, `${db.metadata.namespace}/${db.metadata.name}`, policy.adoptUnclaimed !== false);
  if (foreign) {
    // Another PostgreSQLDatabase owns it (two server CRs naming one physical server), or, on a
    // server that existed before the operator, nothing proves it ours: never drop.
    await deps.events.record(db, 'Warning', Reason.DatabaseConflict, `database ${name} belongs to ${foreign}; not dropped`);
  } else if (policy.dropOnDelete) {
    await dropDatabaseAndRole(pools, { database: name, role });
    await deps.events.record(db, 'Normal', 'Deleted', `database ${name} and its role dropped`);
  } else {
    await deps.events.record(db, 'Normal', 'Kept', `database ${name} and its role kept (the backend is configured to keep data)`);
  }
  await removeFinalizer(deps.databases, db);
  deps.onDatabaseChanged?.(ref.namespace, ref.name);
  return {};
}

/** Who else a database belongs to, or undefined when it is ours to drop. */
async function foreignHolder(q: Queryable, target: { database: string; role: string }, mine: string, adoptUnclaimed: boolean): Promise<string | undefined> {
  const holder = await databaseClaimant(q, target.database);
  if (holder) return holder === mine ? undefined : `PostgreSQLDatabase ${holder}`;
  if (adoptUnclaimed || (await roleClaimant(q, target.role)) === mine) return undefined;
  return 'someone else (it carries no claim of this operator)';
}
