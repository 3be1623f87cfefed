import type { Logger } from 'pino';
import { FINALIZER } from '../api/constants.js';
import { Reason } from '../api/conditions.js';
import type { PostgreSQLTable } from '../api/types.js';
import { readyOf } from '../reconcile/conditions.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import { dropTable, readTable, tableClaimant } from '../postgres/tables/index.js';
import type { HandlerDeps } from './deps.js';
import { removeFinalizer } from './object-ops.js';
import { reportPending } from './reporting.js';
import { tableConnection } from './table-access.js';

/**
 * Deleting a PostgreSQLTable needs only what was pinned in status at creation (database uid, table
 * name) and the deletion policy (spec, else the config's default); the spec's columns, types or
 * even its table name may be invalid by now. Retain releases the CR and keeps the table. Delete
 * drops the table, rows and all, and the Event says how many rows went.
 *
 * Released without SQL: the table was never created (status has no table), or the database it was
 * created in is gone or going (its drop takes the table; a kept database keeps it), or was
 * re-created under the same name (a new database never held this table).
 */
export async function deleteTable(deps: HandlerDeps, table: PostgreSQLTable, log: Logger): Promise<ReconcileOutcome> {
  if (!table.metadata.finalizers?.includes(FINALIZER)) return {};
  const pinned = table.status;
  const policy = table.spec?.deletionPolicy ?? deps.config.tables.deletion_policy;
  const db = deps.databaseCache.get(table.metadata.namespace, table.spec?.databaseRef?.name ?? '');
  const server = db && deps.serverCache.get(db.metadata.namespace, db.spec.serverRef.name);
  if (!pinned?.table || !pinned.schema || !db || db.metadata.uid !== pinned.databaseUid || db.metadata.deletionTimestamp || !server || server.metadata.deletionTimestamp) {
    await removeFinalizer(deps.tables, table);
    log.info('released without SQL: the table was never created, or its database is gone or going');
    return {};
  }
  if (policy === 'Retain') {
    await deps.events.record(table, 'Normal', 'Retained', `table ${pinned.table} kept in database ${pinned.database} (deletionPolicy Retain)`);
    await removeFinalizer(deps.tables, table);
    return {};
  }
  if (readyOf(db.status?.conditions)?.status !== 'True' || readyOf(server.status?.conditions)?.status !== 'True') {
    return reportPending(deps, table, Reason.Deleting, `waiting for PostgreSQLDatabase ${db.metadata.name} to be ready to drop the table`, 15);
  }
  const conn = await tableConnection(deps, db, server);
  const lookup = await readTable(conn.pool, pinned.schema, pinned.table);
  const claimant = `${table.metadata.namespace}/${table.metadata.name}`;
  if (lookup.kind === 'table' && tableClaimant(lookup.table.comment) !== claimant) {
    // Never drop what cannot be proven ours (made by hand after ours was dropped, or another CR's).
    await deps.events.record(table, 'Warning', Reason.TableConflict, `table ${pinned.table} was not created by this PostgreSQLTable; not dropped`);
  } else if (lookup.kind === 'table') {
    const rows = await dropTable(conn.pool, pinned.schema, pinned.table);
    await deps.events.record(table, 'Normal', 'Deleted', `table ${pinned.table} dropped from database ${pinned.database} with ${rows ?? 0} row(s)`);
  }
  await removeFinalizer(deps.tables, table);
  return {};
}
