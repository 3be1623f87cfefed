/**
 * Plays the part of Azure inside its servers: when the emulator creates a Flexible Server, Azure
 * creates the admin login in it; when a PATCH of `administratorLoginPassword` takes effect, Azure
 * changes that login's password. Here both happen in a real test PostgreSQL, before the emulator
 * reports the operation Succeeded (as Azure's own operation only succeeds once they are done).
 */
import pg from 'pg';
import { scramVerifier } from '../../../src/postgres/index.js';
import type { AzureEmulator } from '../azure-emulator/index.js';
import type { ServerRecord } from '../azure-emulator/server-model.js';
import type { TestPostgres } from '../postgres-server.js';

export interface MirroredChange {
  server: string;
  login: string;
  change: 'created' | 'password changed';
}

export interface AdminMirror {
  /** What was mirrored, in order. */
  readonly changes: MirroredChange[];
  /** Failures of the hook (each also failed one emulator poll); a passing test expects none. */
  readonly errors: string[];
  stop(): void;
}

/**
 * Azure's admin is no superuser: it may create databases and roles (and is a member of
 * `azure_pg_admin`, which has no counterpart here).
 */
export function mirrorAdminLogins(emu: AzureEmulator, pgServer: TestPostgres): AdminMirror {
  const changes: MirroredChange[] = [];
  const errors: string[] = [];
  const applied = new Map<string, string>();
  emu.onServerApplied = async (server: ServerRecord, change) => {
    const login = server.administratorLogin;
    const password = server.administratorLoginPassword;
    if (change === 'updated' && applied.get(login) === password) return;
    try {
      const created = await upsertLogin(pgServer, login, password);
      applied.set(login, password);
      changes.push({ server: server.name, login, change: created ? 'created' : 'password changed' });
    } catch (err) {
      errors.push(`${server.name}: ${(err as Error).message}`);
      throw err;
    }
  };
  return { changes, errors, stop: () => void (emu.onServerApplied = undefined) };
}

/** Creates the login or sets its password; true when it was created. */
async function upsertLogin(pgServer: TestPostgres, login: string, password: string): Promise<boolean> {
  const client = new pg.Client({ host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: 'postgres' });
  await client.connect();
  try {
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login])).rowCount === 1;
    const role = client.escapeIdentifier(login);
    const secret = client.escapeLiteral(await scramVerifier(password));
    await client.query(exists ? `ALTER ROLE ${role} PASSWORD ${secret}` : `CREATE ROLE ${role} LOGIN CREATEDB CREATEROLE PASSWORD ${secret}`);
    return !exists;
  } finally {
    await client.end();
  }
}
