import { escapeIdentifier, escapeLiteral } from 'pg';
import { Reason } from '../api/conditions.js';
import { PermanentError } from '../api/errors.js';
import { exec, SqlState, sqlState, SqlError } from './errors.js';
import { assertStrictClaim, claimRoleSql } from './claims.js';
import { ensureAdminMembership } from './membership.js';
import { scramVerifier } from './scram.js';
import { sessionInfo } from './server-info.js';
import type { Queryable } from './types.js';

export async function roleExists(q: Queryable, role: string): Promise<boolean> {
  const rows = await exec(q, `look up role ${role}`, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return rows.length > 0;
}

/**
 * Creates the login role `role` with `password` (sent as a SCRAM verifier) when it is missing, and
 * makes a non-superuser admin a member of it. An existing role keeps its password: rotating it is
 * an explicit `setRolePassword`. An existing role is only taken over when it is an ordinary one
 * (see `assertTenantRole`), so a CR can never capture the admin or a privileged role. A role made
 * here is claimed for `claim.claimant` (claims.ts); one found is not (it was there before), and
 * with `claim.strict` (a server that existed before the operator) it is only taken over when it
 * carries that claim.
 */
export async function ensureRole(q: Queryable, role: string, password: string, claim?: { claimant: string; strict?: boolean }): Promise<{ created: boolean }> {
  const strict = claim?.strict ? claim : undefined;
  const session = await sessionInfo(q);
  let created = false;
  if (await roleExists(q, role)) {
    await assertTenantRole(q, role, session.user);
    if (strict) await assertStrictClaim(q, { role }, strict.claimant);
  } else {
    const create = `CREATE ROLE ${escapeIdentifier(role)} LOGIN PASSWORD ${escapeLiteral(await scramVerifier(password))}`;
    try {
      // Made and claimed in one simple query, which PostgreSQL runs as one transaction: a role left
      // by a reconcile that fails later (the database refused) or is killed is always one the
      // deletion of its PostgreSQLDatabase can prove is its own (and a strict server's owner).
      await q.query(claim ? `${create}; ${claimRoleSql(role, claim.claimant)}` : create);
      created = true;
    } catch (err) {
      // Another session created it in between: same outcome as finding it.
      if (sqlState(err) !== SqlState.DuplicateObject) throw new SqlError(`create role ${role}`, err);
      await assertTenantRole(q, role, session.user);
      if (strict) await assertStrictClaim(q, { role }, strict.claimant);
    }
  }
  await ensureAdminMembership(q, role, session);
  return { created };
}

/**
 * Sets the password of `role` (as a SCRAM verifier). Used for tenant roles and for the admin's own
 * password (`role` is then the connected user). Refuses privileged roles other than the caller
 * unless `allowPrivileged` is set.
 */
export async function setRolePassword(
  q: Queryable,
  role: string,
  password: string,
  opts: { allowPrivileged?: boolean } = {},
): Promise<void> {
  if (!opts.allowPrivileged) {
    const { user } = await sessionInfo(q);
    if (role !== user) await assertTenantRole(q, role, user);
  }
  await exec(q, `set the password of role ${role}`, `ALTER ROLE ${escapeIdentifier(role)} PASSWORD ${escapeLiteral(await scramVerifier(password))}`);
}

/**
 * Throws a `PermanentError` when `role` is not an ordinary role this operator may manage: the admin
 * itself, a role with special attributes (SUPERUSER, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS)
 * or a member of another role (which would hand out that role's privileges).
 */
export async function assertTenantRole(q: Queryable, role: string, adminUser: string): Promise<void> {
  if (role === adminUser) throw new PermanentError(`role "${role}" is the admin user of the server`, Reason.DatabaseConflict);
  const rows = await exec<{ privileged: boolean; member_of: string | null }>(
    q,
    `inspect role ${role}`,
    `SELECT r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls AS privileged,
            (SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname) FROM pg_auth_members m
               JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of
       FROM pg_roles r WHERE r.rolname = $1`,
    [role],
  );
  const row = rows[0];
  if (!row) return;
  if (row.privileged) {
    throw new PermanentError(`role "${role}" already exists with administrative attributes; refusing to manage it`, Reason.DatabaseConflict);
  }
  if (row.member_of) {
    throw new PermanentError(`role "${role}" already exists and is a member of ${row.member_of}; refusing to manage it`, Reason.DatabaseConflict);
  }
}
