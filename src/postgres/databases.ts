import { escapeIdentifier, escapeLiteral } from 'pg';
import { Reason } from '../api/conditions.js';
import { PermanentError } from '../api/errors.js';
import { exec, SqlError, SqlState, sqlState } from './errors.js';
import { assertClaimable, claimDatabase, databaseClaimant } from './claims.js';
import { ensureAdminMembership } from './membership.js';
import { sessionInfo } from './server-info.js';
import type { Queryable, ServerPools } from './types.js';

export interface DatabaseSpec {
  name: string;
  /** The role that owns the database (and its `public` schema). Must exist (`ensureRole`). */
  owner: string;
  /** Encoding, e.g. `UTF8`; the server's default when absent. */
  charset?: string;
  /** LC_COLLATE and LC_CTYPE, e.g. `en_US.utf8`; the server's default when absent. */
  collation?: string;
  /** The PostgreSQLDatabase (`namespace/name`) the database belongs to; see claims.ts. */
  claimant?: string;
  /**
   * A server that existed before the operator: an existing database is adopted only when claimed
   * by `claimant` or owned by `owner` (whose claim ensureRole checked); never handed over from the admin.
   */
  strict?: boolean;
}

export async function databaseExists(q: Queryable, name: string): Promise<boolean> {
  return (await findDatabaseOwner(q, name)) !== undefined;
}

/** The owner of database `name`, or undefined when there is no such database. */
export async function findDatabaseOwner(q: Queryable, name: string): Promise<string | undefined> {
  const rows = await exec<{ owner: string }>(
    q,
    `look up database ${name}`,
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [name],
  );
  return rows[0]?.owner;
}

/** The CREATE DATABASE statement for `spec`; a charset or collation needs template0. */
export function createDatabaseSql(spec: DatabaseSpec): string {
  const parts = [`CREATE DATABASE ${escapeIdentifier(spec.name)} OWNER ${escapeIdentifier(spec.owner)}`];
  if (spec.charset) parts.push(`ENCODING ${escapeLiteral(spec.charset)}`);
  if (spec.collation) parts.push(`LC_COLLATE ${escapeLiteral(spec.collation)} LC_CTYPE ${escapeLiteral(spec.collation)}`);
  if (spec.charset || spec.collation) parts.push('TEMPLATE template0');
  return parts.join(' ');
}

/**
 * Makes database `spec.name` exist, owned by `spec.owner`, reachable only by its owner (and the
 * admin), with a `public` schema the owner can create tables in. Idempotent.
 *
 * An existing database owned by the admin is handed to the owner: that is how the reference
 * operator left its databases (admin-owned, ALL granted to the role). One owned by anybody else
 * is a conflict. The charset and collation of an existing database are not changed.
 */
export async function ensureDatabase(pools: ServerPools, spec: DatabaseSpec): Promise<{ created: boolean }> {
  const q = pools.admin;
  const db = escapeIdentifier(spec.name);
  const owner = escapeIdentifier(spec.owner);
  const session = await sessionInfo(q);
  // Also done by ensureRole; repeated so a run resumed after a kill needs nothing else.
  await ensureAdminMembership(q, spec.owner, session);
  if (spec.claimant) await assertClaimable(q, spec.name, spec.claimant);
  const created = await createIfMissing(q, spec);
  if (!created && spec.strict && spec.claimant) await assertStrictDatabase(q, spec);
  if (!created) {
    // Checked before the claim: a database that turns out to be someone else's gets no claim of
    // ours left on it (nothing half-made).
    const current = await findDatabaseOwner(q, spec.name);
    if (current !== spec.owner) {
      if (current !== session.user || spec.name === session.database || spec.strict) {
        throw new PermanentError(`database "${spec.name}" already exists and belongs to role "${current}", not "${spec.owner}"`, Reason.DatabaseConflict);
      }
      await exec(q, `hand database ${spec.name} to ${spec.owner}`, `ALTER DATABASE ${db} OWNER TO ${owner}`);
    }
  }
  if (spec.claimant) await claimDatabase(q, spec.name, spec.claimant);
  await exec(q, `revoke public access to database ${spec.name}`, `REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
  await exec(q, `grant database ${spec.name} to ${spec.owner}`, `GRANT ALL ON DATABASE ${db} TO ${owner}`);
  // From PostgreSQL 15 on, `public` belongs to pg_database_owner: the owner can create there, and
  // checking would cost a connection into every database.
  if (session.version < 150000) await ensurePublicSchemaUsable(pools.forDatabase(spec.name), spec);
  return { created };
}

/** See DatabaseSpec.strict: a database found on an existing server must prove it is ours. */
async function assertStrictDatabase(q: Queryable, spec: DatabaseSpec): Promise<void> {
  const holder = await databaseClaimant(q, spec.name);
  if (holder === spec.claimant) return;
  const owner = await findDatabaseOwner(q, spec.name);
  if (!holder && owner === spec.owner) return; // made by us; killed before its comment
  throw new PermanentError(
    `database "${spec.name}" already exists on the server (owner "${owner}"${holder ? `, claimed by ${holder}` : ''}) and was not made for PostgreSQLDatabase ${spec.claimant}; the operator does not take over databases on an existing server`,
    Reason.DatabaseConflict,
  );
}

async function createIfMissing(q: Queryable, spec: DatabaseSpec): Promise<boolean> {
  if (await databaseExists(q, spec.name)) return false;
  try {
    await q.query(createDatabaseSql(spec));
    return true;
  } catch (err) {
    const state = sqlState(err);
    if (state === SqlState.DuplicateDatabase) return false;
    if (spec.charset || spec.collation) {
      if (state === SqlState.InvalidParameterValue || state === SqlState.WrongObjectType || state === SqlState.UndefinedObject) {
        const message = err instanceof Error ? err.message : String(err);
        throw new PermanentError(
          `cannot create database "${spec.name}" with charset ${spec.charset ?? '(default)'} and collation ${spec.collation ?? '(default)'}: ${message}`,
          Reason.InvalidSpec,
        );
      }
    }
    throw new SqlError(`create database ${spec.name}`, err);
  }
}

/**
 * Since PostgreSQL 15 only the database owner may create in `public` (it belongs to
 * pg_database_owner); before, everybody could. When the owner cannot, it gets the schema. Done
 * only when needed: on older managed servers the schema belongs to the cloud's superuser and a
 * non-superuser admin could not change it, but there the owner can already create tables.
 */
async function ensurePublicSchemaUsable(q: Queryable, spec: DatabaseSpec): Promise<void> {
  const rows = await exec<{ ok: boolean }>(
    q,
    `check the public schema of ${spec.name}`,
    `SELECT has_schema_privilege($1, n.oid, 'CREATE') AND has_schema_privilege($1, n.oid, 'USAGE') AS ok
       FROM pg_namespace n WHERE n.nspname = 'public'`,
    [spec.owner],
  );
  const row = rows[0];
  if (!row || row.ok) return; // no public schema (removed on purpose) or already usable
  await exec(q, `give the public schema of ${spec.name} to ${spec.owner}`, `ALTER SCHEMA public OWNER TO ${escapeIdentifier(spec.owner)}`);
}

/**
 * The drift check of a whole server in one query: which of the `wanted` databases are not in place
 * (missing, or their owner role missing or unable to log in), by the same rule as
 * `databaseInPlace`. Catalogue reads only; no connection into any of the databases.
 */
export async function databasesOutOfPlace(q: Queryable, wanted: Array<{ database: string; owner: string; login: string }>): Promise<string[]> {
  if (!wanted.length) return [];
  const rows = await exec<{ database: string }>(
    q,
    'check databases and roles',
    `SELECT w.database FROM unnest($1::text[], $2::text[], $3::text[]) AS w(database, owner, login)
      WHERE NOT EXISTS (SELECT 1 FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = w.database AND r.rolname = w.owner)
         OR NOT EXISTS (SELECT 1 FROM pg_roles l WHERE l.rolname = w.login AND l.rolcanlogin)`,
    [wanted.map((w) => w.database), wanted.map((w) => w.owner), wanted.map((w) => w.login)],
  );
  return rows.map((r) => r.database);
}

/**
 * One-query drift check for a database that was fully set up before: its role exists and owns it,
 * and the login in use (the owner, or its second login after a rotation) can log in.
 * Resyncs of settled databases use this instead of the full `ensureRole` + `ensureDatabase` round
 * (no catalog writes, no connection into every database).
 */
export async function databaseInPlace(q: Queryable, name: string, owner: string, login = owner): Promise<boolean> {
  const rows = await exec<{ in_place: boolean }>(
    q,
    `check database ${name}`,
    `SELECT EXISTS (SELECT 1 FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = $1 AND r.rolname = $2)
        AND EXISTS (SELECT 1 FROM pg_roles l WHERE l.rolname = $3 AND l.rolcanlogin) AS in_place`,
    [name, owner, login],
  );
  return rows[0]?.in_place === true;
}
