/**
 * The managed-cloud case: the operator's admin is not a superuser, only CREATEROLE + CREATEDB
 * (as on Azure Flexible Server and RDS). The whole database lifecycle must still work.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Client, escapeLiteral } from 'pg';
import type { AdminConnection } from '../../src/backends/types.js';
import {
  PoolRegistry, databaseExists, dropDatabaseAndRole, ensureDatabase, ensureExtensions, ensureRole, findDatabaseOwner,
  roleExists, scramVerifier, setRolePassword, enableLogin, revokeLogin, secondLogin, type ServerPools,
} from '../../src/postgres/index.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';

const ADMIN = 'cloudadmin';
const ADMIN_PASSWORD = 'Cl0udAdminPassw0rd';

let server: TestPostgres;
let superuser: Client;
let pools: ServerPools;
const registry = new PoolRegistry({ connectionTimeoutMillis: 30_000 });

beforeAll(async () => {
  server = await startPostgres();
  superuser = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
  await superuser.connect();
  await superuser.query(`CREATE ROLE ${ADMIN} LOGIN CREATEROLE CREATEDB PASSWORD ${escapeLiteral(await scramVerifier(ADMIN_PASSWORD))}`);
  const conn: AdminConnection = { host: server.host, port: server.port, user: ADMIN, password: ADMIN_PASSWORD, database: 'postgres', sslmode: 'disable' };
  pools = registry.forServer(conn);
}, 120_000);

afterAll(async () => {
  await registry.closeAll();
  await superuser?.end();
  await server?.stop();
});

async function connectAs(user: string, password: string, database: string): Promise<Client> {
  const c = new Client({ host: server.host, port: server.port, user, password, database });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

describe('a CREATEROLE + CREATEDB admin that is not a superuser', () => {
  it('is really not a superuser', async () => {
    const { rows } = await pools.admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    expect(rows[0]!.rolsuper).toBe(false);
  });

  it('creates role and database, becomes a member of the role, and the owner can work', async () => {
    expect(await ensureRole(pools.admin, 'tenant_app', 'TenantPassw0rd')).toEqual({ created: true });
    const { rows } = await superuser.query<{ member: boolean }>(`SELECT pg_has_role('${ADMIN}', 'tenant_app', 'USAGE') AS member`);
    expect(rows[0]!.member).toBe(true);
    expect(await ensureDatabase(pools, { name: 'tenant_app', owner: 'tenant_app' })).toEqual({ created: true });
    expect(await findDatabaseOwner(pools.admin, 'tenant_app')).toBe('tenant_app');
    await ensureExtensions(pools.forDatabase('tenant_app'), ['pgcrypto', 'hstore']); // trusted extensions
    const c = await connectAs('tenant_app', 'TenantPassw0rd', 'tenant_app');
    try {
      await c.query('CREATE TABLE secrets (id uuid DEFAULT gen_random_uuid(), tags hstore)');
    } finally {
      await c.end();
    }
  });

  it('is idempotent', async () => {
    expect(await ensureRole(pools.admin, 'tenant_app', 'Ignored123456')).toEqual({ created: false });
    expect(await ensureDatabase(pools, { name: 'tenant_app', owner: 'tenant_app' })).toEqual({ created: false });
    await ensureExtensions(pools.forDatabase('tenant_app'), ['pgcrypto', 'hstore']);
  });

  it('finishes a role whose membership grant was interrupted', async () => {
    await pools.admin.query('CREATE ROLE interrupted LOGIN'); // killed before GRANT
    expect(await ensureRole(pools.admin, 'interrupted', 'Interrupted123')).toEqual({ created: false });
    expect(await ensureDatabase(pools, { name: 'interrupted', owner: 'interrupted' })).toEqual({ created: true });
  });

  it('keeps tenants apart', async () => {
    await ensureRole(pools.admin, 'neighbour', 'Neighbour12345');
    await ensureDatabase(pools, { name: 'neighbour', owner: 'neighbour' });
    await expect(connectAs('neighbour', 'Neighbour12345', 'tenant_app')).rejects.toMatchObject({ code: '42501' });
  });

  it('rotates a tenant password and its own', async () => {
    await setRolePassword(pools.admin, 'tenant_app', 'Rotated1234567');
    await (await connectAs('tenant_app', 'Rotated1234567', 'tenant_app')).end();
    await setRolePassword(pools.admin, ADMIN, 'NewAdminPassw0rd');
    await (await connectAs(ADMIN, 'NewAdminPassw0rd', 'postgres')).end();
    await superuser.query(`ALTER ROLE ${ADMIN} PASSWORD ${escapeLiteral(await scramVerifier(ADMIN_PASSWORD))}`);
  });

  it('alternates logins for a rotation (ADR 0016): the second acts as the owner; revoking closes sessions', async () => {
    const alt = secondLogin('tenant_app');
    await enableLogin(pools.admin, 'tenant_app', alt, 'SecondLogin12345');
    const viaAlt = await connectAs(alt, 'SecondLogin12345', 'tenant_app');
    await viaAlt.query('CREATE TABLE made_through_alt (id int)');
    const { rows } = await viaAlt.query<{ owner: string }>("SELECT tableowner::text AS owner FROM pg_tables WHERE tablename = 'made_through_alt'");
    expect(rows).toEqual([{ owner: 'tenant_app' }]);
    const viaOwner = await connectAs('tenant_app', 'Rotated1234567', 'tenant_app');
    await revokeLogin(pools.admin, 'tenant_app', 'tenant_app');
    await expect(viaOwner.query('SELECT 1')).rejects.toThrow();
    await expect(connectAs('tenant_app', 'Rotated1234567', 'tenant_app')).rejects.toThrow(/not permitted to log in/);
    await revokeLogin(pools.admin, 'tenant_app', alt);
    await expect(viaAlt.query('SELECT 1')).rejects.toThrow();
    await expect(connectAs(alt, 'SecondLogin12345', 'tenant_app')).rejects.toThrow(/not permitted to log in/);
    await enableLogin(pools.admin, 'tenant_app', 'tenant_app', 'Rotated1234567');
    await enableLogin(pools.admin, 'tenant_app', alt, 'SecondLogin12345');
  });

  it('drops a database with a connected tenant, then the role', async () => {
    const open = await connectAs('tenant_app', 'Rotated1234567', 'tenant_app');
    expect(await dropDatabaseAndRole(pools, { database: 'tenant_app', role: 'tenant_app' })).toEqual({ databaseDropped: true, roleDropped: true });
    await open.end().catch(() => undefined);
    expect(await databaseExists(pools.admin, 'tenant_app')).toBe(false);
    expect(await roleExists(pools.admin, 'tenant_app')).toBe(false);
    expect(await roleExists(pools.admin, secondLogin('tenant_app'))).toBe(false);
    expect(await dropDatabaseAndRole(pools, { database: 'tenant_app', role: 'tenant_app' })).toEqual({ databaseDropped: false, roleDropped: false });
  });

  it('leaves alone what belongs to others', async () => {
    await superuser.query('CREATE ROLE su_role LOGIN');
    await superuser.query('CREATE DATABASE su_owned OWNER su_role');
    await ensureRole(pools.admin, 'su_owned', 'Whatever12345');
    await expect(ensureDatabase(pools, { name: 'su_owned', owner: 'su_owned' })).rejects.toMatchObject({ reason: 'DatabaseConflict' });
    await expect(dropDatabaseAndRole(pools, { database: 'su_owned', role: 'su_owned' })).rejects.toMatchObject({ reason: 'DatabaseConflict' });
    expect(await findDatabaseOwner(pools.admin, 'su_owned')).toBe('su_role');
    await expect(ensureRole(pools.admin, 'postgres', 'Whatever12345')).rejects.toThrow(/administrative attributes/);
    await expect(setRolePassword(pools.admin, 'postgres', 'Whatever12345')).rejects.toThrow(/administrative attributes/);
  });

  it('creates a database for a role whose ensureRole run was cut short before the grant', async () => {
    await pools.admin.query('CREATE ROLE cut_short LOGIN');
    expect(await ensureDatabase(pools, { name: 'cut_short', owner: 'cut_short' })).toEqual({ created: true });
  });
});
