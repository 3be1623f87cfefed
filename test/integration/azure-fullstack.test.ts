/**
 * The `azurepostgresflexible` backend through the real operator, as a user meets it: the shipped
 * examples (examples/azure-server.yaml, the config of examples/values-azure.yaml) → the operator's
 * handlers → the real Azure SDK → the ARM emulator, whose server is a real PostgreSQL reached with
 * `sslmode=verify-full` (test CA via `ca_bundle_file`). Covers create across reconciles, database
 * and admin password resets, deleting a database, deleting a server and fake deletion.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { parseAllDocuments } from 'yaml';
import { TAG_MARKED_FOR_DELETION } from '../../src/backends/azure-flexible/naming.js';
import { AZURE_WEEKDAY } from '../../src/backends/azure-flexible/maintenance.js';
import type { Weekday } from '../../src/api/types.js';
import { waitFor } from '../support/operator-harness.js';
import { ADMIN_LOGIN, loginWithSecret, SERVER_HOST, startAzureFullstack, superuserQuery, type AzureFullstack } from '../support/fullstack-azure/environment.js';

const RESOURCE_GROUP = 'my-databases-rg'; // from examples/values-azure.yaml
const AZURE_NAME = 'default-teamfoo'; // its name_pattern "{namespace}-{name}"
const LONG = 90_000;
const TEST_TIMEOUT = 180_000;

type Obj = { metadata: { name: string; labels?: Record<string, string> }; status?: Record<string, unknown>; spec: Record<string, unknown> };

/**
 * The example's two objects. The test machine has no en_US.utf8 locale, so the database asks for
 * C.utf8. The operator runs on the real clock, and the example's maintenance window (Sun 03:00 UTC)
 * is open one hour a week, when the server would rightly be restarted at once: the window moves
 * to three days from now, so the restart it schedules is always days away.
 */
function exampleObjects(): { server: Record<string, unknown>; database: Record<string, unknown> } {
  const docs = parseAllDocuments(readFileSync('examples/azure-server.yaml', 'utf8')).map((d) => d.toJS() as Record<string, unknown> & { kind: string });
  const database = docs.find((d) => d.kind === 'PostgreSQLDatabase')!;
  const spec = database.spec as { database: Record<string, unknown> };
  const server = docs.find((d) => d.kind === 'PostgreSQLServer')!;
  const later = new Date(Date.now() + 3 * 24 * 3600_000);
  const weekday = Object.keys(AZURE_WEEKDAY).find((d) => AZURE_WEEKDAY[d as Weekday] === later.getUTCDay());
  const window = { weekday, starttime: `${String(later.getUTCHours()).padStart(2, '0')}:00` };
  const serverSpec = server.spec as Record<string, unknown>;
  return {
    server: { ...server, spec: { ...serverSpec, maintenance: { ...(serverSpec.maintenance as object), window } } },
    database: { ...database, spec: { ...spec, database: { ...spec.database, collation: 'C.utf8' } } },
  };
}

const asyncPolls = (env: AzureFullstack) => env.emu.requests.filter((r) => r.poll && /azureasyncoperation/i.test(r.path)).length;
const serverWrites = (env: AzureFullstack, name: string, method: string) =>
  env.emu.writes().filter((w) => w.method === method && w.path.toLowerCase().endsWith(`/flexibleservers/${name}`));

/** The last ARM requests, for failure messages. */
const armTrace = (env: AzureFullstack) => env.emu.requests.slice(-12).map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')} ${r.status}`).join(', ');

async function waitGone(env: AzureFullstack, kind: string, name: string): Promise<void> {
  await waitFor(async () => (await env.h.get(kind, name)) === undefined, LONG, () => `${kind} ${name} to be gone`);
}

async function waitLabelRemoved(env: AzureFullstack, kind: string, name: string): Promise<void> {
  await waitFor(async () => !(await env.h.get<Obj>(kind, name))?.metadata.labels?.['operator/action'], LONG, () => `${kind} ${name}: operator/action label removed`);
}

async function expectLoginRefused(data: Record<string, string>, pattern: RegExp, opts: { ca?: string } = {}): Promise<void> {
  await expect(loginWithSecret(data, opts)).rejects.toThrow(pattern);
}

describe('azurepostgresflexible through the operator, with a real PostgreSQL behind the ARM emulator', () => {
  let env: AzureFullstack;
  const { server, database } = exampleObjects();

  beforeAll(async () => {
    env = await startAzureFullstack();
  }, TEST_TIMEOUT);

  afterAll(async () => {
    await env?.stop();
  }, TEST_TIMEOUT);

  it('creates the server in Azure; the operation finishes over later reconciles; Ready with verify-full credentials', async () => {
    const { h, emu } = env;
    emu.pollsToComplete = Infinity; // Azure takes its time
    await h.create(server);
    // The operator keeps the operation's token in the status and polls it on later reconciles.
    let last: unknown;
    await waitFor(async () => {
      last = (await h.get<Obj>('PostgreSQLServer', 'teamfoo'))?.status;
      return JSON.stringify(last ?? {}).includes('"kind":"create"') && asyncPolls(env) >= 2;
    }, LONG, () => `create operation polled twice; status ${JSON.stringify(last)}; ARM: ${armTrace(env)}; log: ${h.logLines.slice(-15).join('\n')}`);
    expect(await h.ready('PostgreSQLServer', 'teamfoo')).toMatchObject({ status: 'False', reason: 'Creating' });
    expect(serverWrites(env, AZURE_NAME, 'PUT')).toHaveLength(1);
    expect(env.mirror.changes).toEqual([]); // not provisioned yet
    emu.pollsToComplete = 1;

    const ready = await h.waitForReady('PostgreSQLServer', 'teamfoo', 'True', 'Available', LONG);
    // max_connections (example) waits for the maintenance window: Ready, with the warning.
    expect(ready.message).toMatch(/max_connections/);
    expect(serverWrites(env, AZURE_NAME, 'PUT')).toHaveLength(1);
    const inAzure = emu.server(RESOURCE_GROUP, AZURE_NAME)!;
    expect(inAzure).toMatchObject({ state: 'Ready', version: '17', administratorLogin: ADMIN_LOGIN, sku: { name: 'Standard_D2ds_v4', tier: 'GeneralPurpose' }, storage: { storageSizeGB: 64, autoGrow: 'Enabled' } });
    expect(emu.firewallRules(RESOURCE_GROUP, AZURE_NAME)).toEqual([expect.objectContaining({ name: 'office', startIpAddress: '203.0.113.10', endIpAddress: '203.0.113.20' })]);
    expect(emu.parameter(RESOURCE_GROUP, AZURE_NAME, 'azure.extensions')?.value.split(',').sort()).toEqual(['pg_trgm', 'pgcrypto']);
    expect(env.mirror.changes).toEqual([{ server: AZURE_NAME, login: ADMIN_LOGIN, change: 'created' }]);

    const status = (await h.get<Obj>('PostgreSQLServer', 'teamfoo'))!.status!;
    expect(status).toMatchObject({ backend: 'azurepostgresflexible', version: '17', endpoint: { host: SERVER_HOST, port: h.pg.port, sslmode: 'verify-full' } });
    const creds = (await h.secret('teamfoo-postgres-credentials'))!;
    expect(creds).toMatchObject({ host: SERVER_HOST, hostname: SERVER_HOST, port: String(h.pg.port), username: ADMIN_LOGIN, dbname: 'postgres', sslmode: 'verify-full', 'ca.crt': env.ca.caPem });
    expect(creds.password).toBe(inAzure.administratorLoginPassword);
    expect(JSON.stringify(status)).not.toContain(creds.password);

    // The admin logs in with the Secret, verifying the certificate against its ca.crt.
    const admin = await loginWithSecret(creds);
    const { rows } = await admin.query<{ ssl: boolean; super: boolean }>('SELECT s.ssl, r.rolsuper AS super FROM pg_stat_ssl s, pg_roles r WHERE s.pid = pg_backend_pid() AND r.rolname = current_user');
    await admin.end();
    expect(rows).toEqual([{ ssl: true, super: false }]);
  }, TEST_TIMEOUT);

  it('readies the database over TLS; the app logs in with its Secret (verify-full) and creates a table', async () => {
    const { h } = env;
    await h.create(database);
    await h.waitForReady('PostgreSQLDatabase', 'fooservice', 'True', 'Available', LONG);
    const data = (await h.secret('fooservice-postgres-credentials'))!;
    expect(data).toMatchObject({ host: SERVER_HOST, port: String(h.pg.port), dbname: 'fooservice', username: 'fooservice', sslmode: 'verify-full', 'ca.crt': env.ca.caPem });
    expect(data.uri).toBe(`postgresql://fooservice:${data.password}@${SERVER_HOST}:${h.pg.port}/fooservice?sslmode=verify-full`);

    const app = await loginWithSecret(data);
    await app.query('CREATE TABLE orders (id int PRIMARY KEY, item text)');
    await app.query("INSERT INTO orders VALUES (1, 'coffee')");
    const { rows } = await app.query<{ n: number; ssl: boolean }>('SELECT (SELECT count(*)::int FROM orders) AS n, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    const ext = await app.query<{ extname: string }>("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'");
    await app.end();
    expect(rows).toEqual([{ n: 1, ssl: true }]);
    expect(ext.rows).toEqual([{ extname: 'pg_trgm' }]);

    // The uri works for a libpq-style client given the CA file (sslrootcert).
    const dir = await mkdtemp(join(tmpdir(), 'hcpo-app-'));
    try {
      await writeFile(join(dir, 'ca.crt'), data['ca.crt']!);
      const viaUri = new pg.Client({ connectionString: `${data.uri}&sslrootcert=${join(dir, 'ca.crt')}` });
      await viaUri.connect();
      expect((await viaUri.query<{ db: string }>('SELECT current_database() AS db')).rows).toEqual([{ db: 'fooservice' }]);
      await viaUri.end();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // Verification is real: trusting another CA fails, and so does plain TCP for these roles
    // (so the operator's own admin connections, which made this database, used TLS).
    await expectLoginRefused(data, /self[- ]signed|unable to verify|unable to get local issuer/i, { ca: env.ca.otherCaPem });
    const plain = new pg.Client({ host: h.pg.host, port: h.pg.port, user: ADMIN_LOGIN, password: (await h.secret('teamfoo-postgres-credentials'))!.password, database: 'postgres' });
    await expect(plain.connect()).rejects.toThrow(/no pg_hba.conf entry|no encryption/);
    await plain.end().catch(() => {});
  }, TEST_TIMEOUT);

  it('resets the database password on the operator/action=reset-password label', async () => {
    const { h } = env;
    const before = (await h.secret('fooservice-postgres-credentials'))!;
    await h.patch('PostgreSQLDatabase', 'fooservice', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitLabelRemoved(env, 'PostgreSQLDatabase', 'fooservice');
    const after = (await h.secret('fooservice-postgres-credentials'))!;
    expect(after.password).not.toBe(before.password);
    expect(after.uri).toContain(after.password);
    const app = await loginWithSecret(after);
    expect((await app.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows).toEqual([{ n: 1 }]);
    await app.end();
    await expectLoginRefused(before, /password authentication failed/);
  }, TEST_TIMEOUT);

  it('resets the admin password through Azure (PATCH) and keeps managing databases with the new one', async () => {
    const { h, emu } = env;
    const before = (await h.secret('teamfoo-postgres-credentials'))!;
    const patches = serverWrites(env, AZURE_NAME, 'PATCH').length;
    await h.patch('PostgreSQLServer', 'teamfoo', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitLabelRemoved(env, 'PostgreSQLServer', 'teamfoo');
    const after = (await h.secret('teamfoo-postgres-credentials'))!;
    expect(after.password).not.toBe(before.password);
    expect(emu.server(RESOURCE_GROUP, AZURE_NAME)!.administratorLoginPassword).toBe(after.password);
    expect(serverWrites(env, AZURE_NAME, 'PATCH').slice(patches).map((w) => w.body)).toEqual([{ properties: { administratorLoginPassword: after.password } }]);
    expect(env.mirror.changes.at(-1)).toEqual({ server: AZURE_NAME, login: ADMIN_LOGIN, change: 'password changed' });
    const admin = await loginWithSecret(after);
    await admin.end();
    await expectLoginRefused(before, /password authentication failed/);
    await h.waitForReady('PostgreSQLServer', 'teamfoo', 'True', 'Available', LONG);

    // A new database needs the admin login: the operator uses the new password.
    await h.create({ ...database, metadata: { name: 'barservice', namespace: 'default' }, spec: { ...(database.spec as object), credentialsSecret: 'barservice-postgres-credentials' } });
    await h.waitForReady('PostgreSQLDatabase', 'barservice', 'True', 'Available', LONG);
    const app = await loginWithSecret((await h.secret('barservice-postgres-credentials'))!);
    await app.end();
  }, TEST_TIMEOUT);

  it('drops the database and its role when the PostgreSQLDatabase is deleted', async () => {
    const { h } = env;
    const data = (await h.secret('fooservice-postgres-credentials'))!;
    for (const name of ['fooservice', 'barservice']) {
      await h.delete('PostgreSQLDatabase', name);
      await waitGone(env, 'PostgreSQLDatabase', name);
    }
    const dbs = await superuserQuery<{ datname: string }>(h, "SELECT datname FROM pg_database WHERE datname IN ('fooservice', 'barservice')");
    const roles = await superuserQuery<{ rolname: string }>(h, "SELECT rolname FROM pg_roles WHERE rolname IN ('fooservice', 'barservice')");
    expect(dbs).toEqual([]);
    expect(roles).toEqual([]);
    await expectLoginRefused(data, /password authentication failed|does not exist/);
  }, TEST_TIMEOUT);

  it('deletes the server in Azure when the PostgreSQLServer is deleted', async () => {
    const { h, emu } = env;
    emu.pollsToComplete = 2;
    await h.delete('PostgreSQLServer', 'teamfoo');
    await waitGone(env, 'PostgreSQLServer', 'teamfoo');
    expect(emu.server(RESOURCE_GROUP, AZURE_NAME)).toBeUndefined();
    expect(serverWrites(env, AZURE_NAME, 'DELETE')).toHaveLength(1);
    emu.pollsToComplete = 1;
  }, TEST_TIMEOUT);

  it('with server_delete_fake only tags the server in Azure', async () => {
    const { h, emu } = env;
    await h.stopOperator();
    await h.startOperator(env.operatorConfig({ server_delete_fake: true }));
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLServer',
      metadata: { name: 'teambar', namespace: 'default' },
      spec: { backend: 'azurepostgresflexible', version: 17, size: { class: 'dev', storageGB: 32 }, credentialsSecret: 'teambar-postgres-credentials' },
    });
    await h.waitForReady('PostgreSQLServer', 'teambar', 'True', 'Available', LONG);
    await h.delete('PostgreSQLServer', 'teambar');
    await waitGone(env, 'PostgreSQLServer', 'teambar');
    expect(emu.server(RESOURCE_GROUP, 'default-teambar')).toMatchObject({ state: 'Ready', tags: expect.objectContaining({ [TAG_MARKED_FOR_DELETION]: 'yes' }) });
    expect(serverWrites(env, 'default-teambar', 'DELETE')).toEqual([]);
    expect(env.mirror.errors).toEqual([]);
  }, TEST_TIMEOUT);
});
