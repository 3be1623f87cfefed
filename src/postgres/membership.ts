import { escapeIdentifier } from 'pg';
import { exec } from './errors.js';
import type { SessionInfo } from './server-info.js';
import type { Queryable } from './types.js';

/**
 * Makes a non-superuser admin (Azure's azure_pg_admin members, RDS's rds_superuser members,
 * any CREATEROLE + CREATEDB user) a member of `role`, which it needs to create a database owned by
 * the role, to drop that database and to reassign or drop what the role owns.
 * - PostgreSQL ≤ 15: a CREATEROLE user may grant membership in any non-superuser role.
 * - PostgreSQL ≥ 16: the creator of a role holds ADMIN OPTION on it (without INHERIT and SET), so
 *   it may grant itself INHERIT (to use the role's privileges) and SET (to make it an owner).
 * A superuser needs none of this.
 */
export async function ensureAdminMembership(q: Queryable, role: string, session: SessionInfo): Promise<void> {
  if (session.superuser) return;
  const pg16 = session.version >= 160000;
  const rows = await exec<{ ok: boolean }>(
    q,
    `check membership of ${session.user} in role ${role}`,
    pg16
      ? `SELECT pg_has_role(current_user, $1, 'USAGE') AND pg_has_role(current_user, $1, 'SET') AS ok`
      : `SELECT pg_has_role(current_user, $1, 'USAGE') AS ok`,
    [role],
  );
  if (rows[0]?.ok) return;
  const options = pg16 ? ' WITH INHERIT TRUE, SET TRUE' : '';
  await exec(q, `grant role ${role} to the admin ${session.user}`, `GRANT ${escapeIdentifier(role)} TO CURRENT_USER${options}`);
}
