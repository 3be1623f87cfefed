import type { Logger } from 'pino';
import { TABLE_KIND } from '../api/constants.js';
import { Reason } from '../api/conditions.js';
import type { PostgreSQLDatabase, PostgreSQLServer, PostgreSQLTable } from '../api/types.js';
import { TemporaryError } from '../backends/errors.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import { isSettled } from '../reconcile/object-state.js';
import { alterTable, createTable, planTable, readTable, resolveColumns, tableClaimant, type ActualTable, type ResolvedColumn, type TableLookup } from '../postgres/tables/index.js';
import type { HandlerDeps } from './deps.js';
import { ensureFinalizer, writeStatus } from './object-ops.js';
import { failWith, reportFailure, reportPending } from './reporting.js';
import { databaseUsable, serverUsable } from './server-usable.js';
import { tableConnection, type TableConnection } from './table-access.js';
import { deleteTable } from './table-deletion.js';
import { readTableSpec, type WantedTable } from './table-spec.js';
import { managedColumns, matchesLastReport, tableStatusFields } from './table-status.js';
import { serverRefOf } from './sharing.js';

/** Tables live in the `public` schema of their database. */
export const TABLE_SCHEMA = 'public';
const WAIT_FOR_DATABASE_SECONDS = 15;

/**
 * The table loop: get → deleting? → finalizer → read the spec (names, type grammar; no I/O) →
 * database Ready? → connect as the database's role → resolve types and defaults in PostgreSQL →
 * table absent: pin its identity in status, create · present and ours: plan (anything unsafe:
 * refuse all of it) and apply in one transaction → status with the columns as PostgreSQL has them.
 */
export async function reconcileTable(deps: HandlerDeps, namespace: string, name: string, log: Logger): Promise<ReconcileOutcome> {
  try {
    return await reconcileTableOnce(deps, namespace, name, log);
  } catch (err) {
    const current = deps.tableCache.get(namespace, name);
    await reportFailure(deps, current && { ...current, kind: TABLE_KIND }, err);
    throw err;
  }
}

/** One run's facts, shared by the steps below. */
interface TableRun {
  table: PostgreSQLTable;
  wanted: WantedTable;
  conn: TableConnection;
  resolved: ResolvedColumn[];
  /** The columns the operator managed until now (empty for a database re-created under the same name). */
  managedBefore: Set<string>;
  /** What status records to find the table again, whatever the spec says later (deletion needs only this). */
  pinned: Record<string, unknown>;
}

async function reconcileTableOnce(deps: HandlerDeps, namespace: string, name: string, log: Logger): Promise<ReconcileOutcome> {
  const cached = deps.tableCache.get(namespace, name);
  if (!cached) return {};
  if (cached.metadata.deletionTimestamp) {
    // Deletion trusts only the identity pinned in status: read it fresh, not from the cache.
    const fresh = await deps.tables.get(namespace, name);
    return fresh ? deleteTable(deps, { ...fresh, kind: TABLE_KIND }, log) : {};
  }
  const table: PostgreSQLTable = { ...(await ensureFinalizer(deps.tables, { ...cached, kind: TABLE_KIND })), kind: TABLE_KIND };
  const wanted = await checkedSpec(deps, table);
  const found = await findDatabase(deps, table);
  if ('requeueAfterSeconds' in found) return found;
  const conn = await tableConnection(deps, found.db, found.server);
  const sameDatabase = table.status?.databaseUid === found.db.metadata.uid;
  if (sameDatabase && isSettled(table) && (await unchangedSinceReady(conn, table, wanted.table))) return {};
  const run: TableRun = {
    table,
    wanted,
    conn,
    resolved: await resolveColumns(conn.pool, wanted.columns),
    managedBefore: sameDatabase ? managedColumns(table.status?.columns) : new Set<string>(),
    pinned: { database: conn.database, databaseUid: found.db.metadata.uid, schema: TABLE_SCHEMA, table: wanted.table },
  };
  const lookup = await converge(deps, run, await readTable(conn.pool, TABLE_SCHEMA, wanted.table));
  if (lookup.kind !== 'table') throw new TemporaryError(`table ${wanted.table} vanished while it was being changed`);
  const fields = { ...run.pinned, ...tableStatusFields(lookup.table, new Set(wanted.columns.map((c) => c.name)), run.managedBefore) };
  const { reasonChanged } = await writeStatus(deps.tables, table, { status: 'True', reason: Reason.Available, message: `table ${wanted.table} is up to date`, fields });
  if (reasonChanged) log.info({ table: wanted.table }, 'table ready');
  return {};
}

/** Names and types, checked before anything touches PostgreSQL: a hostile string never gets there. */
async function checkedSpec(deps: HandlerDeps, table: PostgreSQLTable): Promise<WantedTable> {
  const wanted = readTableSpec(table.spec);
  if ('problems' in wanted) return failWith(deps, table, wanted.problems[0]!.reason, wanted.problems.map((p) => p.message).join('; '));
  if (table.status?.table && table.status.table !== wanted.table) {
    return failWith(deps, table, Reason.InvalidSpec, `spec.tableName cannot change: the table is ${table.status.table}`);
  }
  return wanted;
}

/**
 * The resync of a table Ready for its generation: when the table is still exactly as reported, the
 * spec (unchanged) is still met, and resolving types and defaults again (a dry run) is not needed.
 */
async function unchangedSinceReady(conn: TableConnection, table: PostgreSQLTable, name: string): Promise<boolean> {
  const lookup = await readTable(conn.pool, TABLE_SCHEMA, name);
  const claimant = `${table.metadata.namespace}/${table.metadata.name}`;
  return lookup.kind === 'table' && tableClaimant(lookup.table.comment) === claimant && matchesLastReport(lookup.table, table.status);
}

/** Creates the table, or brings the existing one to the spec; returns the table as it is now. */
async function converge(deps: HandlerDeps, run: TableRun, lookup: TableLookup): Promise<TableLookup> {
  const { table, wanted, conn } = run;
  const claimant = `${table.metadata.namespace}/${table.metadata.name}`;
  if (lookup.kind === 'other') return failWith(deps, table, Reason.TableConflict, `"${wanted.table}" exists in database ${conn.database} and is not a table (relkind ${lookup.relkind})`);
  if (lookup.kind === 'absent') {
    await createOurTable(deps, run, claimant);
    return readTable(conn.pool, TABLE_SCHEMA, wanted.table);
  }
  const holder = tableClaimant(lookup.table.comment);
  if (holder !== claimant) {
    const whose = holder ? `belongs to PostgreSQLTable ${holder}` : 'was not created by this operator';
    return failWith(deps, table, Reason.TableConflict, `table ${wanted.table} already exists in database ${conn.database} and ${whose}; it is left untouched`);
  }
  return (await applyChanges(deps, run, lookup.table)) ? readTable(conn.pool, TABLE_SCHEMA, wanted.table) : lookup;
}

/**
 * Pins the table's identity in status before it exists (a kill right after CREATE must not leave a
 * table the CR cannot find to drop), then creates it. A table the operator had made before in the
 * same database was dropped by hand: it comes back empty, with a Warning.
 */
async function createOurTable(deps: HandlerDeps, run: TableRun, claimant: string): Promise<void> {
  const { table, wanted, conn } = run;
  const existedBefore = run.managedBefore.size > 0;
  await writeStatus(deps.tables, table, { status: 'False', reason: Reason.Creating, message: `creating table ${wanted.table}`, fields: run.pinned });
  await createTable(conn.pool, TABLE_SCHEMA, wanted.table, { columns: run.resolved, primaryKey: wanted.primaryKey }, claimant);
  if (existedBefore) {
    await deps.events.record(table, 'Warning', 'TableRecreated', `table ${wanted.table} was missing in database ${conn.database} and has been created again, empty`);
  } else {
    await deps.events.record(table, 'Normal', 'Created', `table ${wanted.table} created in database ${conn.database} (owner ${conn.role})`);
  }
}

/** Plans against the table; refuses the whole change when any part is unsafe, else applies it at once. */
async function applyChanges(deps: HandlerDeps, run: TableRun, actual: ActualTable): Promise<boolean> {
  const { table, wanted, conn } = run;
  const plan = planTable(run.resolved, wanted.primaryKey, actual, run.managedBefore);
  if (plan.unsafe.length) {
    const fields = { ...run.pinned, ...tableStatusFields(actual, new Set(wanted.columns.map((c) => c.name)), run.managedBefore) };
    return failWith(deps, table, Reason.UnsafeChange, `nothing was changed; unsafe: ${plan.unsafe.join('; ')}`, fields);
  }
  if (!plan.actions.length) return false;
  await alterTable(conn.pool, TABLE_SCHEMA, wanted.table, plan.actions);
  if (plan.restored.length) {
    await deps.events.record(table, 'Warning', 'ColumnsRestored', `columns dropped by hand were added back (empty): ${plan.restored.join(', ')}`);
  }
  const summary = [plan.added.length ? `added ${plan.added.join(', ')}` : '', plan.changed.length ? `changed ${plan.changed.join(', ')}` : ''].filter(Boolean).join('; ');
  if (summary) await deps.events.record(table, 'Normal', 'Altered', `table ${wanted.table}: ${summary}`);
  return true;
}

/** The database the table lives in, Ready, with its server; or when to look again. */
async function findDatabase(deps: HandlerDeps, table: PostgreSQLTable): Promise<{ db: PostgreSQLDatabase; server: PostgreSQLServer } | ReconcileOutcome & { requeueAfterSeconds: number }> {
  const { namespace } = table.metadata;
  const dbName = table.spec.databaseRef.name;
  const db = deps.databaseCache.get(namespace, dbName);
  if (!db) {
    // Not terminal: the database may be created later (its Ready transition enqueues this table).
    const message = `PostgreSQLDatabase ${dbName} not found in namespace ${namespace}`;
    const { reasonChanged } = await writeStatus(deps.tables, table, { status: 'False', reason: Reason.DatabaseNotFound, message });
    if (reasonChanged) await deps.events.record(table, 'Warning', Reason.DatabaseNotFound, message);
    return { requeueAfterSeconds: 60 };
  }
  const ref = serverRefOf(db);
  const server = deps.serverCache.get(ref.namespace, ref.name);
  // Usable, not only Ready: a server or database the config no longer fully accepts runs as it is.
  if (!databaseUsable(db) || !server || !serverUsable(server)) {
    return reportPending(deps, table, Reason.WaitingForDatabase, `waiting for PostgreSQLDatabase ${dbName} to be ready`, WAIT_FOR_DATABASE_SECONDS) as Promise<{ requeueAfterSeconds: number }>;
  }
  return { db, server };
}
