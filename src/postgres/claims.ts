import { escapeIdentifier, escapeLiteral } from 'pg';
import { Reason } from '../api/conditions.js';
import { PermanentError } from '../api/errors.js';
import { exec } from './errors.js';
import type { Queryable } from './types.js';

/** Marks a database comment as the operator's claim; the rest names the PostgreSQLDatabase. */
export const CLAIM_PREFIX = 'managed by hybrid-cloud-postgresql-operator for ';

/**
 * Records which PostgreSQLDatabase (`namespace/name`) a database belongs to, as the database's
 * comment, and refuses a second claimant: two CRs must never share a database and its role (two
 * server CRs can name the same physical server, e.g. cloud servers adopted by name). A database
 * without a comment (made by the Python operator, or by hand) is claimed; a comment that is not a
 * claim is left alone. The CR's uid is not part of the claim, so a CR deleted with its data kept
 * and created again under the same name takes its database back.
 */
export async function claimDatabase(q: Queryable, database: string, claimant: string): Promise<void> {
  const comment = await databaseComment(q, database);
  if (comment === `${CLAIM_PREFIX}${claimant}`) return;
  const holder = claimHolder(comment);
  if (holder) throw new PermanentError(`database "${database}" already belongs to PostgreSQLDatabase ${holder}`, Reason.DatabaseConflict);
  if (comment) return;
  await exec(q, `claim database ${database}`, `COMMENT ON DATABASE ${escapeIdentifier(database)} IS ${escapeLiteral(`${CLAIM_PREFIX}${claimant}`)}`);
}

/**
 * Throws `DatabaseConflict` when another PostgreSQLDatabase claimed the database. Called before the
 * role is touched: the role has the database's name, so a second claimant must not reset it.
 */
export async function assertClaimable(q: Queryable, database: string, claimant: string): Promise<void> {
  const holder = claimHolder(await databaseComment(q, database));
  if (holder && holder !== claimant) throw new PermanentError(`database "${database}" already belongs to PostgreSQLDatabase ${holder}`, Reason.DatabaseConflict);
}

/** The PostgreSQLDatabase (`namespace/name`) that claimed a database, if any. */
export async function databaseClaimant(q: Queryable, database: string): Promise<string | undefined> {
  return claimHolder(await databaseComment(q, database));
}

async function databaseComment(q: Queryable, database: string): Promise<string | null> {
  const rows = await exec<{ comment: string | null }>(
    q,
    `read the claim on database ${database}`,
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
    [database],
  );
  return rows[0]?.comment ?? null;
}

function claimHolder(comment: string | null): string | undefined {
  return comment?.startsWith(CLAIM_PREFIX) ? comment.slice(CLAIM_PREFIX.length) : undefined;
}

/** The PostgreSQLDatabase (`namespace/name`) a role was made for, if any (see `ensureRole`). */
export async function roleClaimant(q: Queryable, role: string): Promise<string | undefined> {
  const rows = await exec<{ comment: string | null }>(q, `read the claim on role ${role}`, `SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1`, [role]);
  return claimHolder(rows[0]?.comment ?? null);
}

/**
 * The statement recording the PostgreSQLDatabase (`namespace/name`) a role was made for, as the
 * role's comment (same form as a database claim); sent together with CREATE ROLE (see
 * `ensureRole`). It proves the role is ours: on a strict server to take it over, anywhere to drop
 * it when its CR goes although its database was never made (see `dropLeftoverRole`).
 */
export function claimRoleSql(role: string, claimant: string): string {
  return `COMMENT ON ROLE ${escapeIdentifier(role)} IS ${escapeLiteral(`${CLAIM_PREFIX}${claimant}`)}`;
}

/**
 * On a server that existed before the operator (strict), a database or role is the operator's only
 * when it can prove it: the role carries the claim (written in the same transaction as its CREATE
 * ROLE, so a kill cannot leave it unclaimed), and the database carries the claim or is owned by
 * that role (CREATE DATABASE cannot share a transaction with its COMMENT). Anything else on such a
 * server belongs to someone else and is never adopted: DatabaseConflict.
 */
export async function assertStrictClaim(q: Queryable, what: { role: string; database?: string }, claimant: string): Promise<void> {
  const roleHolder = await roleClaimant(q, what.role);
  if (roleHolder !== claimant) {
    throw new PermanentError(
      `role "${what.role}" already exists on the server and was not made for PostgreSQLDatabase ${claimant}${roleHolder ? ` (it belongs to ${roleHolder})` : ''}; the operator does not take over roles on an existing server`,
      Reason.DatabaseConflict,
    );
  }
  if (!what.database) return;
  const holder = await databaseClaimant(q, what.database);
  if (holder === claimant || holder === undefined) return; // unclaimed: owned by the claimed role (checked by ensureDatabase)
  throw new PermanentError(`database "${what.database}" already belongs to PostgreSQLDatabase ${holder}`, Reason.DatabaseConflict);
}
