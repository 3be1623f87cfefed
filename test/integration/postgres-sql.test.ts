/**
 * The shared SQL layer against a real PostgreSQL, connected as its superuser: roles, databases,
 * access, charset/collation, extensions, drop, conflicts, escaping and idempotency.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Client, escapeIdentifier } from 'pg';
import type { AdminConnection } from '../../src/backends/types.js';
import { PermanentError } from '../../src/backends/errors.js';
import {
  PoolRegistry, assertClaimable, databaseClaimant, databaseInPlace, dropDatabaseAndRole, ensureDatabase, ensureExtensions, ensureRole, findDatabaseOwner, databaseExists,
  roleExists, setRolePassword, type ServerPools,
} from '../../src/postgres/index.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';

let server: TestPostgres;
let conn: AdminConnection;
let pools: ServerPools;
const registry = new PoolRegistry({ connectionTimeoutMillis: 30_000 });

beforeAll(async () => {
  server = await startPostgres();
  conn = { host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres', sslmode: 'disable' };
  pools = registry.forServer(conn);
}, 120_000);

afterAll(async () => {
  await registry.closeAll();
  await server?.stop();
});

async function connectAs(user: string, password: string, database: string): Promise<Client> {
  const c = new Client({ host: server.host, port: server.port, user, password, database });
  c.on('error', () => undefined); // terminated by a drop in some tests
  await c.connect();
  return c;
}

async function canLogin(user: string, password: string, database = 'postgres'): Promise<boolean> {
  try {
    await (await connectAs(user, password, database)).end();
    return true;
  } catch {
    return false;
  }
}

async function tenant(name: string, password = `${name}-Pw-123456`): Promise<string> {
  await ensureRole(pools.admin, name, password);
  await ensureDatabase(pools, { name, owner: name });
  return password;
}

describe('roles', () => {
  it('creates a login role once and leaves its password alone afterwards', async () => {
    expect(await roleExists(pools.admin, 'app_one')).toBe(false);
    expect(await ensureRole(pools.admin, 'app_one', 'FirstPassw0rd')).toEqual({ created: true });
    expect(await ensureRole(pools.admin, 'app_one', 'OtherPassw0rd')).toEqual({ created: false });
    expect(await canLogin('app_one', 'FirstPassw0rd')).toBe(true);
    expect(await canLogin('app_one', 'OtherPassw0rd')).toBe(false);
  });

  it('changes a password with setRolePassword', async () => {
    await ensureRole(pools.admin, 'app_pw', 'FirstPassw0rd');
    await setRolePassword(pools.admin, 'app_pw', 'SecondPassw0rd');
    expect(await canLogin('app_pw', 'SecondPassw0rd')).toBe(true);
    expect(await canLogin('app_pw', 'FirstPassw0rd')).toBe(false);
  });

  it('refuses to take over the admin or a privileged role', async () => {
    await pools.admin.query('CREATE ROLE powerful LOGIN CREATEDB');
    await pools.admin.query('CREATE ROLE grouped LOGIN');
    await pools.admin.query('GRANT pg_read_all_data TO grouped');
    for (const role of ['postgres', 'powerful', 'grouped']) {
      await expect(ensureRole(pools.admin, role, 'Whatever123')).rejects.toBeInstanceOf(PermanentError);
    }
    await expect(setRolePassword(pools.admin, 'powerful', 'Whatever123')).rejects.toThrow(/administrative attributes/);
    expect(await canLogin('postgres', 'Whatever123')).toBe(false);
  });

  it('reports a missing role clearly', async () => {
    await expect(setRolePassword(pools.admin, 'no_such_role', 'Whatever123')).rejects.toThrow(
      /set the password of role no_such_role failed: role "no_such_role" does not exist \(SQLSTATE 42704\)/,
    );
  });
});

describe('databases', () => {
  it('creates a database owned by its role, once', async () => {
    await ensureRole(pools.admin, 'shop', 'ShopPassw0rd1');
    expect(await ensureDatabase(pools, { name: 'shop', owner: 'shop' })).toEqual({ created: true });
    expect(await ensureDatabase(pools, { name: 'shop', owner: 'shop' })).toEqual({ created: false });
    expect(await findDatabaseOwner(pools.admin, 'shop')).toBe('shop');
    expect(await databaseExists(pools.admin, 'shop')).toBe(true);
    expect(await findDatabaseOwner(pools.admin, 'nope')).toBeUndefined();
  });

  it('lets the owner create tables in public, and keeps other roles out', async () => {
    const pw = await tenant('owner_db');
    const other = await tenant('other_db');
    const c = await connectAs('owner_db', pw, 'owner_db');
    try {
      await c.query('CREATE TABLE public.items (id int PRIMARY KEY)');
      await c.query('INSERT INTO items VALUES (1)');
    } finally {
      await c.end();
    }
    await expect(connectAs('other_db', other, 'owner_db')).rejects.toMatchObject({ code: '42501' });
    const { rows } = await pools.admin.query<{ ok: boolean }>(`SELECT has_database_privilege('public', 'owner_db', 'CONNECT') AS ok`);
    expect(rows[0]!.ok).toBe(false);
  });

  it('finishes a database whose creation was interrupted after CREATE DATABASE', async () => {
    await ensureRole(pools.admin, 'half', 'HalfPassw0rd1');
    await pools.admin.query('CREATE DATABASE half OWNER half'); // killed before REVOKE
    expect(await ensureDatabase(pools, { name: 'half', owner: 'half' })).toEqual({ created: false });
    const { rows } = await pools.admin.query<{ ok: boolean }>(`SELECT has_database_privilege('public', 'half', 'CONNECT') AS ok`);
    expect(rows[0]!.ok).toBe(false);
  });

  it('takes over a database the admin owns (as the reference operator left them)', async () => {
    await pools.admin.query('CREATE DATABASE legacy');
    await ensureRole(pools.admin, 'legacy', 'LegacyPassw0rd');
    expect(await ensureDatabase(pools, { name: 'legacy', owner: 'legacy' })).toEqual({ created: false });
    expect(await findDatabaseOwner(pools.admin, 'legacy')).toBe('legacy');
  });

  it('refuses a database that belongs to another role, and the maintenance database', async () => {
    await pools.admin.query('CREATE ROLE stranger');
    await pools.admin.query('CREATE DATABASE taken OWNER stranger');
    await ensureRole(pools.admin, 'taken', 'TakenPassw0rd');
    const err = await ensureDatabase(pools, { name: 'taken', owner: 'taken' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ reason: 'DatabaseConflict', message: expect.stringMatching(/belongs to role "stranger"/) });
    await expect(dropDatabaseAndRole(pools, { database: 'taken', role: 'taken' })).rejects.toMatchObject({ reason: 'DatabaseConflict' });
    expect(await databaseExists(pools.admin, 'taken')).toBe(true);
    await expect(ensureDatabase(pools, { name: 'postgres', owner: 'taken' })).rejects.toMatchObject({ reason: 'DatabaseConflict' });
    expect(await findDatabaseOwner(pools.admin, 'postgres')).toBe('postgres');
  });

  it('leaves no claim on a database it refuses as someone else\'s', async () => {
    await pools.admin.query('CREATE ROLE otherowner');
    await pools.admin.query('CREATE DATABASE othersdb OWNER otherowner');
    await ensureRole(pools.admin, 'othersdb', 'OthersPassw0rd');
    await expect(ensureDatabase(pools, { name: 'othersdb', owner: 'othersdb', claimant: 'team/othersdb' })).rejects.toMatchObject({ reason: 'DatabaseConflict' });
    expect(await databaseClaimant(pools.admin, 'othersdb')).toBeUndefined();
  });
});

describe('charset and collation', () => {
  async function describeDb(name: string) {
    const { rows } = await pools.admin.query<{ enc: string; collate: string; ctype: string }>(
      'SELECT pg_encoding_to_char(encoding) AS enc, datcollate AS collate, datctype AS ctype FROM pg_database WHERE datname = $1',
      [name],
    );
    return rows[0];
  }

  it('creates databases with the asked charset and collation', async () => {
    await ensureRole(pools.admin, 'latin', 'LatinPassw0rd');
    await ensureDatabase(pools, { name: 'latin', owner: 'latin', charset: 'LATIN1', collation: 'C' });
    expect(await describeDb('latin')).toEqual({ enc: 'LATIN1', collate: 'C', ctype: 'C' });
    await ensureRole(pools.admin, 'utf', 'UtfPassw0rd1');
    await ensureDatabase(pools, { name: 'utf', owner: 'utf', charset: 'UTF8', collation: 'C.UTF-8' });
    expect(await describeDb('utf')).toEqual({ enc: 'UTF8', collate: 'C.UTF-8', ctype: 'C.UTF-8' });
  });

  it('turns impossible charsets and collations into clear permanent errors', async () => {
    await ensureRole(pools.admin, 'badloc', 'BadlocPassw0rd');
    const cases = [
      { charset: 'UTF8', collation: 'xx_XX.bogus', match: /collation xx_XX\.bogus.*locale/ },
      { charset: 'NO_SUCH_CHARSET', match: /charset NO_SUCH_CHARSET.*not a valid encoding/ },
      { charset: 'LATIN1', collation: 'C.UTF-8', match: /does not match locale/ },
    ];
    for (const { match, ...spec } of cases) {
      const err = await ensureDatabase(pools, { name: 'badloc', owner: 'badloc', ...spec }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as Error).message).toMatch(match);
    }
    expect(await databaseExists(pools.admin, 'badloc')).toBe(false);
  });
});

describe('extensions', () => {
  it('creates extensions (with their dependencies) once', async () => {
    await tenant('ext_db');
    const db = pools.forDatabase('ext_db');
    await ensureExtensions(db, ['pgcrypto', 'hstore', 'earthdistance']);
    await ensureExtensions(db, ['pgcrypto', 'hstore', 'earthdistance']);
    const { rows } = await db.query<{ extname: string }>('SELECT extname FROM pg_extension ORDER BY extname');
    expect(rows.map((r) => r.extname)).toEqual(['cube', 'earthdistance', 'hstore', 'pgcrypto', 'plpgsql']);
  });

  it('says clearly when an extension is not installed', async () => {
    const err = await ensureExtensions(pools.forDatabase('ext_db'), ['no_such_extension']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ reason: 'ExtensionNotAllowed', message: 'extension "no_such_extension" is not installed on this server' });
  });
});

describe('drop', () => {
  it('drops a database with open connections, then its role; again is a no-op', async () => {
    const pw = await tenant('doomed');
    const open = await connectAs('doomed', pw, 'doomed');
    await open.query('CREATE TABLE t (x int)');
    expect(await dropDatabaseAndRole(pools, { database: 'doomed', role: 'doomed' })).toEqual({ databaseDropped: true, roleDropped: true });
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await open.end().catch(() => undefined);
    expect(await databaseExists(pools.admin, 'doomed')).toBe(false);
    expect(await roleExists(pools.admin, 'doomed')).toBe(false);
    expect(await dropDatabaseAndRole(pools, { database: 'doomed', role: 'doomed' })).toEqual({ databaseDropped: false, roleDropped: false });
  });

  it('removes what the role owns or was granted in other databases first', async () => {
    await tenant('leaver');
    await tenant('host_db');
    const hostDb = pools.forDatabase('host_db');
    await hostDb.query('CREATE TABLE kept (x int)');
    await hostDb.query('ALTER TABLE kept OWNER TO leaver');
    await hostDb.query('CREATE TABLE shared (x int)');
    await hostDb.query('GRANT SELECT ON shared TO leaver');
    await pools.admin.query('GRANT CONNECT ON DATABASE host_db TO leaver');
    expect(await dropDatabaseAndRole(pools, { database: 'leaver', role: 'leaver' })).toEqual({ databaseDropped: true, roleDropped: true });
    const { rows } = await hostDb.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'kept'`);
    expect(rows[0]!.owner).toBe('postgres');
  });

  it('finishes a drop interrupted after the database was dropped', async () => {
    await tenant('halfway');
    await pools.admin.query('DROP DATABASE halfway WITH (FORCE)');
    expect(await dropDatabaseAndRole(pools, { database: 'halfway', role: 'halfway' })).toEqual({ databaseDropped: false, roleDropped: true });
  });

  it('never drops the admin', async () => {
    await expect(dropDatabaseAndRole(pools, { database: 'x', role: 'postgres' })).rejects.toBeInstanceOf(PermanentError);
    expect(await roleExists(pools.admin, 'postgres')).toBe(true);
  });
});

describe('escaping', () => {
  const nasty = `evil"; DROP ROLE app_one; --`;
  const nastyPassword = `'; DROP ROLE app_one; --\\'"`;

  it('keeps hostile identifiers and passwords inert', async () => {
    expect(await ensureRole(pools.admin, nasty, nastyPassword)).toEqual({ created: true });
    expect(await ensureDatabase(pools, { name: nasty, owner: nasty })).toEqual({ created: true });
    expect(await roleExists(pools.admin, nasty)).toBe(true);
    expect(await findDatabaseOwner(pools.admin, nasty)).toBe(nasty);
    expect(await roleExists(pools.admin, 'app_one')).toBe(true);
    expect(await canLogin(nasty, nastyPassword, nasty)).toBe(true);
    await expect(ensureExtensions(pools.forDatabase(nasty), [`pgcrypto"; DROP ROLE app_one; --`])).rejects.toThrow(/not a valid extension name/);
    await expect(ensureExtensions(pools.forDatabase(nasty), [`pgcrypto"; DROP ROLE app_one; `])).rejects.toThrow(/not installed/);
    await expect(ensureDatabase(pools, { name: 'inj_charset', owner: nasty, charset: `UTF8' TEMPLATE template1 --` })).rejects.toThrow();
    expect(await databaseExists(pools.admin, 'inj_charset')).toBe(false);
    expect(await dropDatabaseAndRole(pools, { database: nasty, role: nasty })).toEqual({ databaseDropped: true, roleDropped: true });
    expect(await roleExists(pools.admin, 'app_one')).toBe(true);
    const { rows } = await pools.admin.query(`SELECT 1 FROM pg_roles WHERE rolname = 'evil'`);
    expect(rows).toHaveLength(0);
    expect(escapeIdentifier(nasty)).toBe(`"evil""; DROP ROLE app_one; --"`);
  });
});

describe('databaseInPlace (the resync drift check)', () => {
  it('is true only while the role exists, can log in and owns the database', async () => {
    await ensureRole(pools.admin, 'drift_role', 'drift-password-123');
    await ensureDatabase(pools, { name: 'drift_db', owner: 'drift_role' });
    expect(await databaseInPlace(pools.admin, 'drift_db', 'drift_role')).toBe(true);
    await pools.admin.query('ALTER DATABASE drift_db OWNER TO postgres');
    expect(await databaseInPlace(pools.admin, 'drift_db', 'drift_role')).toBe(false);
    await pools.admin.query('ALTER DATABASE drift_db OWNER TO drift_role');
    await pools.admin.query('ALTER ROLE drift_role NOLOGIN');
    expect(await databaseInPlace(pools.admin, 'drift_db', 'drift_role')).toBe(false);
    await pools.admin.query('ALTER ROLE drift_role LOGIN');
    await pools.admin.query('DROP DATABASE drift_db WITH (FORCE)');
    expect(await databaseInPlace(pools.admin, 'drift_db', 'drift_role')).toBe(false);
    expect(await databaseInPlace(pools.admin, "drift_db' OR '1'='1", 'drift_role')).toBe(false);
  });
});

describe('database claims (two PostgreSQLDatabase objects, one physical server)', () => {
  it('the first claimant owns the database; a second one is refused before its role is touched', async () => {
    await ensureRole(pools.admin, 'claimed', 'first-password-123');
    await ensureDatabase(pools, { name: 'claimed', owner: 'claimed', claimant: 'team-a/claimed' });
    expect(await databaseClaimant(pools.admin, 'claimed')).toBe('team-a/claimed');
    await ensureDatabase(pools, { name: 'claimed', owner: 'claimed', claimant: 'team-a/claimed' });
    await expect(assertClaimable(pools.admin, 'claimed', 'team-b/claimed')).rejects.toMatchObject({ reason: 'DatabaseConflict', message: expect.stringMatching(/team-a\/claimed/) });
    await expect(ensureDatabase(pools, { name: 'claimed', owner: 'claimed', claimant: 'team-b/claimed' })).rejects.toBeInstanceOf(PermanentError);
    await assertClaimable(pools.admin, 'claimed', 'team-a/claimed');
  });

  it('claims an unclaimed existing database (made by the Python operator) and leaves foreign comments alone', async () => {
    await ensureRole(pools.admin, 'pyop_db', 'pyop-password-123');
    await pools.admin.query('CREATE DATABASE pyop_db OWNER pyop_db');
    await ensureDatabase(pools, { name: 'pyop_db', owner: 'pyop_db', claimant: 'team-a/pyop-db' });
    expect(await databaseClaimant(pools.admin, 'pyop_db')).toBe('team-a/pyop-db');
    await ensureRole(pools.admin, 'commented', 'commented-password-123');
    await pools.admin.query("CREATE DATABASE commented OWNER commented");
    await pools.admin.query("COMMENT ON DATABASE commented IS 'billing data, ask finance'");
    await ensureDatabase(pools, { name: 'commented', owner: 'commented', claimant: 'team-a/commented' });
    expect(await databaseClaimant(pools.admin, 'commented')).toBeUndefined();
  });
});
