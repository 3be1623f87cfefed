import { escapeIdentifier } from 'pg';
import { Reason } from '../api/conditions.js';
import { PermanentError } from '../api/errors.js';
import { findDatabaseOwner } from './databases.js';
import { exec } from './errors.js';
import { isSecondLogin, secondLogin } from './logins.js';
import { assertTenantRole, roleExists } from './roles.js';
import { sessionInfo, type SessionInfo } from './server-info.js';
import type { Queryable, ServerPools } from './types.js';

export interface DropTarget {
  database: string;
  role: string;
}

/**
 * Drops the database and then the role of a PostgreSQLDatabase. Idempotent: each step checks
 * what is left, so a run killed at any line is finished by the next one.
 *
 * Open connections to the database are closed first. Whatever the role still owns or was granted
 * elsewhere (found in pg_shdepend) is reassigned to the admin and dropped, database by database,
 * so DROP ROLE cannot fail on leftovers. A database owned by someone other than the role (or the
 * admin, for databases of the reference operator) is not ours: that is a conflict, nothing is
 * dropped.
 */
export async function dropDatabaseAndRole(pools: ServerPools, target: DropTarget): Promise<{ databaseDropped: boolean; roleDropped: boolean }> {
  const session = await sessionInfo(pools.admin);
  if (target.role === session.user) throw new PermanentError(`refusing to drop role "${target.role}": it is the admin user`, Reason.DatabaseConflict);
  if (target.database === session.database) {
    throw new PermanentError(`refusing to drop database "${target.database}": it is the admin's maintenance database`, Reason.DatabaseConflict);
  }
  // The second login (rotations, ADR 0016) first: it is a member of the owner.
  const login = secondLogin(target.role);
  if (await isSecondLogin(pools.admin, target.role, login).catch(() => false)) await dropRole(pools, login, session, target.role);
  const databaseDropped = await dropDatabase(pools, target, session);
  const roleDropped = await dropRole(pools, target.role, session);
  return { databaseDropped, roleDropped };
}

/**
 * Drops a role whose database was never created (a reconcile that failed in between), with what
 * it owns. The caller has proven the role is its own (see `roleClaimant`).
 */
export async function dropLeftoverRole(pools: ServerPools, role: string): Promise<boolean> {
  const session = await sessionInfo(pools.admin);
  if (role === session.user) throw new PermanentError(`refusing to drop role "${role}": it is the admin user`, Reason.DatabaseConflict);
  return dropRole(pools, role, session);
}

async function dropDatabase(pools: ServerPools, { database, role }: DropTarget, session: SessionInfo): Promise<boolean> {
  const q = pools.admin;
  const owner = await findDatabaseOwner(q, database);
  if (owner === undefined) return false;
  if (owner !== role && owner !== session.user) {
    throw new PermanentError(`database "${database}" belongs to role "${owner}", not "${role}"; refusing to drop it`, Reason.DatabaseConflict);
  }
  const db = escapeIdentifier(database);
  if (session.version >= 130000) {
    // FORCE terminates the sessions itself, and atomically with the drop (none can sneak in).
    await exec(q, `drop database ${database}`, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  } else {
    await exec(q, `disallow connections to database ${database}`, `ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
    await terminate(q, 'datname', database);
    await exec(q, `drop database ${database}`, `DROP DATABASE IF EXISTS ${db}`);
  }
  await pools.forget?.(database);
  return true;
}

async function dropRole(pools: ServerPools, role: string, session: SessionInfo, memberOf?: string): Promise<boolean> {
  const q = pools.admin;
  if (!(await roleExists(q, role))) return false;
  if (!memberOf) await assertTenantRole(q, role, session.user);
  await terminate(q, 'usename', role);
  for (const database of await databasesWithDependencies(q, role, session.database)) {
    const inDb = database === session.database ? q : pools.forDatabase(database);
    const r = escapeIdentifier(role);
    await exec(inDb, `reassign objects of ${role} in ${database}`, `REASSIGN OWNED BY ${r} TO CURRENT_USER`);
    await exec(inDb, `drop privileges of ${role} in ${database}`, `DROP OWNED BY ${r}`);
  }
  await exec(q, `drop role ${role}`, `DROP ROLE IF EXISTS ${escapeIdentifier(role)}`);
  return true;
}

/** The maintenance database (for shared objects) and every database where the role owns or was granted something. */
async function databasesWithDependencies(q: Queryable, role: string, maintenance: string): Promise<string[]> {
  const rows = await exec<{ datname: string }>(
    q,
    `find objects of role ${role}`,
    `SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
      WHERE s.refclassid = 'pg_authid'::regclass AND d.datallowconn
        AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)
      ORDER BY d.datname`,
    [role],
  );
  return [maintenance, ...rows.map((r) => r.datname).filter((d) => d !== maintenance)];
}

async function terminate(q: Queryable, column: 'datname' | 'usename', value: string): Promise<void> {
  await exec(
    q,
    `close the sessions of ${column === 'datname' ? 'database' : 'role'} ${value}`,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${column} = $1 AND pid <> pg_backend_pid()`,
    [value],
  );
}
