import type pg from 'pg';

/** What the operator's admin may do on an external server, read from PostgreSQL's catalogue. */
export interface AdminRights {
  superuser: boolean;
  createdb: boolean;
  createrole: boolean;
  /** The server's major version, e.g. "16". */
  version: string;
}

export async function readRights(client: pg.Client): Promise<AdminRights> {
  const { rows } = await client.query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; version: string }>(
    "SELECT rolsuper, rolcreatedb, rolcreaterole, current_setting('server_version_num') AS version FROM pg_roles WHERE rolname = current_user",
  );
  const row = rows[0];
  if (!row) return { superuser: false, createdb: false, createrole: false, version: '' };
  return { superuser: row.rolsuper, createdb: row.rolcreatedb, createrole: row.rolcreaterole, version: String(Math.floor(Number(row.version) / 10000)) };
}

/** The rights the admin lacks to create databases and their owners (none for a superuser). */
export function missingRights(rights: AdminRights): string[] {
  if (rights.superuser) return [];
  const missing: string[] = [];
  if (!rights.createdb) missing.push('CREATEDB');
  if (!rights.createrole) missing.push('CREATEROLE');
  return missing;
}
