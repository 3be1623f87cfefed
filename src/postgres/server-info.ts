import { exec } from './errors.js';
import type { Queryable } from './types.js';

/** Who we are connected as, and what the server can do: decides which SQL variant to run. */
export interface SessionInfo {
  user: string;
  database: string;
  superuser: boolean;
  /** `server_version_num`, e.g. 150004. */
  version: number;
}

export async function sessionInfo(q: Queryable): Promise<SessionInfo> {
  const rows = await exec<{ user: string; database: string; superuser: boolean; version: number }>(
    q,
    'read session info',
    `SELECT current_user AS "user", current_database() AS "database",
            COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS "superuser",
            current_setting('server_version_num')::int AS "version"`,
  );
  const row = rows[0];
  if (!row) throw new Error('read session info returned no row');
  return row;
}
