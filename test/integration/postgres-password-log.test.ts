/**
 * With every statement logged, no clear-text password may reach PostgreSQL's log: the SQL layer
 * only ever sends SCRAM verifiers, and logins use SCRAM.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { AdminConnection } from '../../src/backends/types.js';
import { PoolRegistry, dropDatabaseAndRole, ensureDatabase, ensureRole, setRolePassword, type ServerPools } from '../../src/postgres/index.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';

const SUPERUSER_PASSWORD = 'SuperSecretBootstrapPw1';
const FIRST = 'FirstTenantPasswordQ7';
const SECOND = 'RotatedTenantPasswordZ9';
const ADMIN_NEXT = 'NextAdminPasswordK3';

let server: TestPostgres;
let pools: ServerPools;
const registry = new PoolRegistry({ connectionTimeoutMillis: 30_000 });

beforeAll(async () => {
  server = await startPostgres({
    superuserPassword: SUPERUSER_PASSWORD,
    settings: { log_statement: 'all', log_min_error_statement: 'error', log_connections: 'on' },
  });
  pools = registry.forServer(adminConn());
}, 120_000);

afterAll(async () => {
  await registry.closeAll();
  await server?.stop();
});

describe('PostgreSQL log', () => {
  it('never shows a clear-text password', async () => {
    await ensureRole(pools.admin, 'logged', FIRST);
    await ensureDatabase(pools, { name: 'logged', owner: 'logged' });
    await setRolePassword(pools.admin, 'logged', SECOND);
    await expect(setRolePassword(pools.admin, 'missing_role', SECOND)).rejects.toThrow(/does not exist/); // logged with its statement
    await setRolePassword(pools.admin, 'postgres', ADMIN_NEXT);
    await setRolePassword(registry.get({ ...adminConn(), password: ADMIN_NEXT }), 'postgres', SUPERUSER_PASSWORD);
    // The registry replaced the pools of the old password: ask it again.
    await dropDatabaseAndRole(registry.forServer(adminConn()), { database: 'logged', role: 'logged' });

    const log = server.log();
    expect(log).toMatch(/statement: CREATE ROLE "logged" LOGIN PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(log).toMatch(/statement: ALTER ROLE "missing_role" PASSWORD 'SCRAM-SHA-256\$/);
    for (const secret of [SUPERUSER_PASSWORD, FIRST, SECOND, ADMIN_NEXT]) expect(log).not.toContain(secret);
  });
});

function adminConn(): AdminConnection {
  return { host: server.host, port: server.port, user: server.user, password: SUPERUSER_PASSWORD, database: 'postgres', sslmode: 'disable' };
}
