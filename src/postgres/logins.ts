import { createHash } from 'node:crypto';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { Reason } from '../api/conditions.js';
import { PermanentError } from '../backends/errors.js';
import { exec, SqlError, SqlState, sqlState } from './errors.js';
import { MAX_PG_NAME_BYTES } from './names.js';
import { ensureAdminMembership } from './membership.js';
import { assertTenantRole } from './roles.js';
import { scramVerifier } from './scram.js';
import { sessionInfo } from './server-info.js';
import type { Queryable } from './types.js';

/**
 * The two logins of a database, for rotations without downtime (ADR 0016): the owner role itself
 * and one more LOGIN role that is a member of the owner and starts every session as the owner
 * (`ALTER ROLE … SET role`), so whatever either login creates belongs to the owner. A rotation
 * moves the published login to the other one; the retired one keeps working for the grace period
 * and is then made NOLOGIN. The double underscore keeps the name apart from every other database's
 * role (a CR name would need `--` to produce it); a role of that name that is not the owner's
 * member is never taken over.
 */
export function secondLogin(owner: string): string {
  const name = `${owner}__alt`;
  if (Buffer.byteLength(name) <= MAX_PG_NAME_BYTES) return name;
  const hash = createHash('sha256').update(owner).digest('hex').slice(0, 8);
  return `${owner.slice(0, MAX_PG_NAME_BYTES - 14)}_${hash}__alt`;
}

/** The other login of the pair. */
export function otherLogin(owner: string, login: string): string {
  return login === owner ? secondLogin(owner) : owner;
}

/**
 * Makes `login` (the owner or its second login) able to log in with `password`. Idempotent; the
 * second login is created when missing. Never touches a role that is not the owner's.
 */
export async function enableLogin(q: Queryable, owner: string, login: string, password: string): Promise<void> {
  const verifier = escapeLiteral(await scramVerifier(password));
  if (login === owner) {
    await assertTenantRole(q, owner, (await sessionInfo(q)).user);
    await exec(q, `enable login ${owner}`, `ALTER ROLE ${escapeIdentifier(owner)} LOGIN PASSWORD ${verifier}`);
    return;
  }
  await ensureSecondLogin(q, owner, login, verifier);
  await exec(q, `enable login ${login}`, `ALTER ROLE ${escapeIdentifier(login)} LOGIN PASSWORD ${verifier}`);
  // Sessions start as the owner: tables, sequences, … created through this login belong to the owner.
  await exec(q, `make ${login} act as ${owner}`, `ALTER ROLE ${escapeIdentifier(login)} SET role = ${escapeLiteral(owner)}`);
}

/**
 * Ends a retired login: NOLOGIN (its password is refused from now on) and its sessions closed.
 * Idempotent; a missing role is already revoked.
 */
export async function revokeLogin(q: Queryable, owner: string, login: string): Promise<void> {
  const session = await sessionInfo(q);
  if (login === owner) await assertTenantRole(q, owner, session.user);
  else if (!(await assertSecondLogin(q, owner, login))) return;
  // A non-superuser admin may only close the sessions of roles it is a member of.
  await ensureAdminMembership(q, login, session);
  await exec(q, `revoke login ${login}`, `ALTER ROLE ${escapeIdentifier(login)} NOLOGIN`);
  await exec(q, `close the sessions of ${login}`, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [login]);
}

/** True when `login` exists and is the owner's second login; throws when a role of that name is someone else's. */
export async function isSecondLogin(q: Queryable, owner: string, login: string): Promise<boolean> {
  return assertSecondLogin(q, owner, login);
}

async function ensureSecondLogin(q: Queryable, owner: string, login: string, verifier: string): Promise<void> {
  if (await assertSecondLogin(q, owner, login)) return;
  try {
    await q.query(`CREATE ROLE ${escapeIdentifier(login)} NOLOGIN PASSWORD ${verifier} IN ROLE ${escapeIdentifier(owner)}`);
  } catch (err) {
    if (sqlState(err) !== SqlState.DuplicateObject) throw new SqlError(`create role ${login}`, err);
    await assertSecondLogin(q, owner, login);
  }
  // As for the owner: a non-superuser admin needs membership to alter, revoke and drop it later.
  await ensureAdminMembership(q, login, await sessionInfo(q));
}

/**
 * True when `login` exists and is the owner's second login (an ordinary role whose only
 * membership is in the owner); false when it does not exist; a conflict otherwise.
 */
async function assertSecondLogin(q: Queryable, owner: string, login: string): Promise<boolean> {
  const rows = await exec<{ privileged: boolean; member_of: string[] | null }>(
    q,
    `inspect role ${login}`,
    `SELECT r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls AS privileged,
            (SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of
       FROM pg_roles r WHERE r.rolname = $1`,
    [login],
  );
  const row = rows[0];
  if (!row) return false;
  const memberOf = row.member_of ?? [];
  if (row.privileged || memberOf.length !== 1 || memberOf[0] !== owner) {
    throw new PermanentError(`role "${login}" exists but is not the second login of "${owner}"; refusing to manage it`, Reason.DatabaseConflict);
  }
  return true;
}
