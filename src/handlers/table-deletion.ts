import type { Logger } from 'pino';
import { FINALIZER } from '../api/constants.js';
import { Reason } from '../api/conditions.js';
import type { PostgreSQLDatabase, PostgreSQLServer, PostgreSQLTable } from '../api/types.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import { dropTable, readTable, tableClaimant } from '../postgres/tables/index.js';
import type { HandlerDeps } from './deps.js';
import { removeFinalizer } from './object-ops.js';
import { reportPending } from './reporting.js';
import { databaseUsable, serverUsable } from './server-usable.js';
import { serverRefOf } from './sharing.js';
import { tableConnection } from './table-access.js';

/**
 * Deleting a PostgreSQLTable needs only what was pinned in status before the table was created
 * (database uid, schema, table name) and the deletion policy (spec, else the config's default);
 * the spec's columns, types or names may be invalid by now. Retain releases the CR and keeps the
 * table. Delete drops the table, rows and all, and the Event says how many rows went.
 *
 * Released without SQL: the table was never created (nothing pinned), or the database it was
 * created in is gone or going (its drop takes the table; a database kept by its backend's policy
 * keeps it), or was re-created under the same name (a new database never held this table).
 */
export async function deleteTable(deps: HandlerDeps, table: PostgreSQLTable, log: Logger): Promise<ReconcileOutcome> {
  if (!table.metadata.finalizers?.includes(FINALIZER)) return {};
  const place = whereItLives(deps, table);
  if (!place) {
    await removeFinalizer(deps.tables, table);
    log.info('released without SQL: the table was never created, or its database is gone or going');
    return {};
  }
  const { db, server, schema, name } = place;
  if ((table.spec?.deletionPolicy ?? deps.config.tables.deletion_policy) === 'Retain') {
    await deps.events.record(table, 'Normal', 'Retained', `table ${name} kept in database ${table.status?.database} (deletionPolicy Retain)`);
    await removeFinalizer(deps.tables, table);
    return {};
  }
  // Usable, not only Ready: a server whose class the config dropped, a database whose extension
  // it no longer allows, still hold the table, and its deletion must not wait for a config fix.
  if (!databaseUsable(db) || !serverUsable(server)) {
    // Setting deletionPolicy: Retain, or deleting the database, releases the CR meanwhile.
    return reportPending(deps, table, Reason.Deleting, `waiting for PostgreSQLDatabase ${db.metadata.name} to be ready to drop the table`, 15);
  }
  const conn = await tableConnection(deps, db, server);
  const lookup = await readTable(conn.pool, schema, name);
  if (lookup.kind === 'table' && tableClaimant(lookup.table.comment) !== `${table.metadata.namespace}/${table.metadata.name}`) {
    // Never drop what cannot be proven ours (made by hand after ours was dropped, or another CR's).
    await deps.events.record(table, 'Warning', Reason.TableConflict, `table ${name} was not created by this PostgreSQLTable; not dropped`);
  } else if (lookup.kind === 'table') {
    const rows = await dropTable(conn.pool, schema, name);
    await deps.events.record(table, 'Normal', 'Deleted', `table ${name} dropped from database ${conn.database} with ${rows ?? 0} row(s)`);
  } else {
    await deps.events.record(table, 'Normal', 'Deleted', `table ${name} was already gone from database ${conn.database}`);
  }
  await removeFinalizer(deps.tables, table);
  return {};
}

/** The database and server holding the pinned table, when both are there and not going; else undefined. */
function whereItLives(deps: HandlerDeps, table: PostgreSQLTable): { db: PostgreSQLDatabase; server: PostgreSQLServer; schema: string; name: string } | undefined {
  const { table: name, schema, databaseUid } = table.status ?? {};
  if (!name || !schema) return undefined;
  const db = deps.databaseCache.get(table.metadata.namespace, table.spec?.databaseRef?.name ?? '');
  if (!db || db.metadata.uid !== databaseUid || db.metadata.deletionTimestamp) return undefined;
  const ref = serverRefOf(db);
  const server = deps.serverCache.get(ref.namespace, ref.name);
  if (!server || server.metadata.deletionTimestamp) return undefined;
  return { db, server, schema, name };
}
