import { escapeIdentifier, escapeLiteral } from 'pg';
import type { Pool, PoolClient } from 'pg';
import { Reason } from '../../api/conditions.js';
import { PermanentError, TemporaryError } from '../../backends/errors.js';
import { SqlError, sqlState } from '../errors.js';
import { columnDefinition, type ResolvedColumn } from './resolve.js';

/** The table comment that says which PostgreSQLTable (`namespace/name`) created a table. */
export const TABLE_CLAIM_PREFIX = 'managed by hybrid-cloud-postgresql-operator for PostgreSQLTable ';

/** How long a change waits for the table's lock (an application's long transaction) before retrying later. */
const LOCK_TIMEOUT = '10s';

export const qualified = (schema: string, table: string): string => `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;

/** What a table is made of: its columns and primary key. */
export interface TableDefinition {
  columns: ResolvedColumn[];
  primaryKey: string[];
}

/** CREATE TABLE with its columns and primary key, and the claim comment, in one transaction. */
export async function createTable(pool: Pool, schema: string, table: string, definition: TableDefinition, claimant: string): Promise<void> {
  const parts = definition.columns.map(columnDefinition);
  if (definition.primaryKey.length) parts.push(`PRIMARY KEY (${definition.primaryKey.map(escapeIdentifier).join(', ')})`);
  await inTransaction(pool, `create table ${table}`, async (c) => {
    await c.query(`CREATE TABLE ${qualified(schema, table)} (${parts.join(', ')})`);
    await c.query(`COMMENT ON TABLE ${qualified(schema, table)} IS ${escapeLiteral(TABLE_CLAIM_PREFIX + claimant)}`);
  });
}

/** Every sub-command in one ALTER TABLE, in one transaction: a kill or failure leaves none applied. */
export async function alterTable(pool: Pool, schema: string, table: string, actions: string[]): Promise<void> {
  if (!actions.length) return;
  await inTransaction(pool, `alter table ${table}`, (c) => c.query(`ALTER TABLE ${qualified(schema, table)} ${actions.join(', ')}`));
}

/** Drops the table and says how many rows it held (counted under the drop's own lock). Absent: null. */
export async function dropTable(pool: Pool, schema: string, table: string): Promise<number | null> {
  return inTransaction(pool, `drop table ${table}`, async (c) => {
    const exists = await c.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [qualified(schema, table)]);
    if (!exists.rows[0]?.found) return null;
    await c.query(`LOCK TABLE ${qualified(schema, table)} IN ACCESS EXCLUSIVE MODE`);
    const count = await c.query<{ rows: string }>(`SELECT count(*)::text AS rows FROM ${qualified(schema, table)}`);
    await c.query(`DROP TABLE ${qualified(schema, table)}`);
    return Number(count.rows[0]?.rows ?? 0);
  });
}

/** The claimant (`namespace/name`) in a table comment, if it is our claim. */
export function tableClaimant(comment: string | null): string | undefined {
  return comment?.startsWith(TABLE_CLAIM_PREFIX) ? comment.slice(TABLE_CLAIM_PREFIX.length) : undefined;
}

async function inTransaction<T>(pool: Pool, operation: string, work: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw translate(operation, err);
  } finally {
    client.release(broken);
  }
}

/** PostgreSQL's answer as the handler needs it: wait and retry, the spec must change, or a fault. */
function translate(operation: string, err: unknown): Error {
  const state = sqlState(err);
  const message = err instanceof Error ? err.message : String(err);
  if (state === '55P03') return new TemporaryError(`${operation}: the table is locked by another session; retrying`, 15, { cause: err });
  // A rewrite (integer → bigint) of a large table can outlast the statement timeout: rolled back,
  // and retried only at the resync or a spec change, since a retry would take as long again.
  if (state === '57014') return new PermanentError(`${operation} took longer than the statement timeout and was rolled back: ${message}`, Reason.BackendError);
  // NOT NULL column without default added to a table with rows; a default or type PostgreSQL refuses.
  if (state === '23502' || state?.startsWith('22') || state === '42804') return new PermanentError(`${operation} failed: ${message}`, Reason.InvalidSpec);
  if (state === '42501' || state === '42P07') return new PermanentError(`${operation} failed: ${message}`, Reason.TableConflict);
  return new SqlError(operation, err);
}
