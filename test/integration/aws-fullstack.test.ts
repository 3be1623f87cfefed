/**
 * The `awsrds` backend through the real operator, as a user meets it: examples/aws-rds-server.yaml
 * applied to the fake API server, the operator (in process) configured like
 * examples/values-aws.yaml with the RDS endpoint pointing at the emulator and the SDK's default
 * credential chain reading static keys from the environment. The emulated instance's engine is a
 * real PostgreSQL that only takes TLS logins, with a certificate for the instance's address issued
 * by a test CA the operator trusts through the aws `ca_bundle_file` key: every SQL connection of the
 * operator and of the "app" runs with sslmode=verify-full. RDS's work inside the engine (the
 * master user, master password changes) is mirrored into that PostgreSQL by the emulator's hooks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { parse } from 'yaml';
import { RDS_GLOBAL_CA_BUNDLE } from '../../src/backends/aws-rds/rds-ca-bundle.js';
import { makeTestCa, type TestCa } from '../support/test-ca.js';
import { RdsEngine } from '../support/fullstack/rds-engine.js';
import { Harness, configFrom, testConfig, waitFor } from '../support/operator-harness.js';
import { startRdsEmulator, type RdsEmulator } from '../support/rds-emulator/index.js';
import { TEST_CREDENTIALS } from '../support/rds-emulator/fixtures.js';

/** The RDS Endpoint.Address of the instance; the server certificate names it. */
const HOST = 'localhost';
const INSTANCE = 'default-teamfoo';
const MASTER = 'dbmaster';
/** A loaded 2-core machine: RDS polls start at 15 s, so each step may take a few of them. */
const STEP_MS = 120_000;
const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

const BARSERVICE = `
apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata:
  name: barservice
  namespace: default
spec:
  serverRef:
    name: teamfoo
  credentialsSecret: barservice-postgres-credentials
`;

type Labeled = { metadata: { labels?: Record<string, string> } };

describe('awsrds end to end: operator → RDS emulator → real PostgreSQL with verify-full TLS', () => {
  const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  let ca: TestCa;
  let dir: string;
  let engine: RdsEngine;
  let emulator: RdsEmulator;
  let h: Harness;
  /** The operator config YAML: examples/values-aws.yaml with the emulator and the CA bundle file. */
  let operatorConfig: (caFile: string) => Record<string, unknown>;

  beforeAll(async () => {
    ca = await makeTestCa([`DNS:${HOST}`]);
    dir = await mkdtemp(join(tmpdir(), 'hcpo-aws-fullstack-'));
    const caFile = join(dir, 'ca-bundle.pem');
    await writeFile(caFile, ca.caPem);
    engine = new RdsEngine(HOST, ca.caPem);
    emulator = await startRdsEmulator({ delays: { create: 300, modify: 200, delete: 300, password: 300 }, endpoint: engine.endpoint, hooks: engine.hooks });
    // The backend uses the SDK's default credential chain, as in a cluster with an envSecret.
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    const example = parse((parse(readFileSync('examples/values-aws.yaml', 'utf8')) as { operatorConfig: string }).operatorConfig) as Record<string, unknown>;
    operatorConfig = (file) => deepAssign(example, { backends: { aws: { endpoint: emulator.url, ca_bundle_file: file, admin_username: MASTER } } });
    h = await Harness.start({ postgres: { tls: ca.certs[`DNS:${HOST}`]! }, config: operatorConfig(caFile) });
    engine.attach(h.pg);
    await engine.requireTls();
    await h.apply(readFileSync('examples/aws-rds-server.yaml', 'utf8'));
  }, STEP_MS);

  afterAll(async () => {
    await engine?.close();
    await h?.stop();
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    for (const k of ENV_KEYS) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
  });

  /** Logs in with a credentials Secret's values as an app would: sslmode=verify-full with its ca.crt. */
  async function login(data: Record<string, string>, password = data.password!, caPem = data['ca.crt']!): Promise<pg.Client> {
    expect(data.sslmode).toBe('verify-full');
    const client = new pg.Client({
      host: data.host, port: Number(data.port), database: data.dbname, user: data.username, password,
      ssl: { ca: caPem, rejectUnauthorized: true }, connectionTimeoutMillis: 30_000,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async function loginFails(data: Record<string, string>, password?: string, caPem?: string): Promise<string> {
    try {
      const c = await login(data, password, caPem);
      await c.end();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('the login succeeded');
  }

  async function labelGone(kind: string, name: string): Promise<void> {
    await waitFor(async () => !(await h.get<Labeled>(kind, name))?.metadata.labels?.['operator/action'], STEP_MS, () => `${kind} ${name} without its action label`);
  }

  it('creates the RDS instance as asked and publishes verify-full admin credentials with the CA', async () => {
    const ready = await h.waitForReady('PostgreSQLServer', 'teamfoo', 'True', undefined, STEP_MS);
    expect(ready.reason).toBe('Available');
    const server = await h.get<{ status: Record<string, unknown> }>('PostgreSQLServer', 'teamfoo');
    expect(server?.status).toMatchObject({ backend: 'awsrds', version: '16', endpoint: { host: HOST, port: h.pg.port, sslmode: 'verify-full' } });

    const creates = emulator.callsOf('CreateDBInstance');
    expect(creates).toHaveLength(1);
    const sent = creates[0]!;
    expect(sent.accessKeyId).toBe(TEST_CREDENTIALS.accessKeyId);
    expect(sent.signedRegion).toBe('eu-central-1');
    expect(sent.params).toMatchObject({
      DBInstanceIdentifier: INSTANCE, Engine: 'postgres', EngineVersion: '16.8', DBInstanceClass: 'db.m5.large', AllocatedStorage: '50',
      StorageType: 'gp3', BackupRetentionPeriod: '14', MultiAZ: 'false', MasterUsername: MASTER, DBSubnetGroupName: 'my-db-subnet-group',
    });
    expect(engine.log).toEqual([`${INSTANCE}: created master user ${MASTER}`]);

    const creds = await h.secret('teamfoo-postgres-credentials');
    expect(creds).toMatchObject({ host: HOST, hostname: HOST, port: String(h.pg.port), username: MASTER, dbname: 'postgres', sslmode: 'verify-full' });
    expect(creds?.['ca.crt']).toBe(ca.caPem);
    expect(creds?.password).toBe(sent.params.MasterUserPassword);
    expect(emulator.masterPassword(INSTANCE)).toBe(creds?.password);
    // The admin can log in with the Secret alone; like RDS's master user it is no superuser.
    const admin = await login(creds!);
    try {
      const { rows } = await admin.query<{ rolsuper: boolean; ssl: boolean }>(
        'SELECT r.rolsuper, s.ssl FROM pg_roles r, pg_stat_ssl s WHERE r.rolname = current_user AND s.pid = pg_backend_pid()');
      expect(rows).toEqual([{ rolsuper: false, ssl: true }]);
    } finally {
      await admin.end();
    }
  }, STEP_MS);

  it('makes the database over verify-full TLS; an app logs in with its Secret and creates a table', async () => {
    await h.waitForReady('PostgreSQLDatabase', 'fooservice', 'True', undefined, STEP_MS);
    const data = await h.secret('fooservice-postgres-credentials');
    expect(data).toMatchObject({ host: HOST, port: String(h.pg.port), dbname: 'fooservice', username: 'fooservice', sslmode: 'verify-full' });
    expect(data?.['ca.crt']).toBe(ca.caPem);
    expect(data?.uri).toContain(`@${HOST}:${h.pg.port}/fooservice?sslmode=verify-full`);
    const app = await login(data!);
    try {
      await app.query('CREATE TABLE notes (id serial PRIMARY KEY, body text)');
      await app.query("INSERT INTO notes (body) VALUES ('hello')");
      // pg_trgm, the extension the example database asks for, was created by the operator.
      const { rows } = await app.query<{ sim: number; ssl: boolean }>(
        "SELECT similarity(body, 'hello') AS sim, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl FROM notes");
      expect(rows).toEqual([{ sim: 1, ssl: true }]);
    } finally {
      await app.end();
    }
    // The checks that make this test able to fail: no TLS, or the wrong CA, and there is no login.
    expect(await loginFails(data!, undefined, ca.otherCaPem)).toMatch(/certificate/i);
    expect(await loginFails(data!, undefined, RDS_GLOBAL_CA_BUNDLE)).toMatch(/certificate/i);
    const plain = new pg.Client({ host: HOST, port: h.pg.port, user: 'fooservice', password: data!.password, database: 'fooservice', ssl: false });
    plain.on('error', () => undefined);
    await expect(plain.connect()).rejects.toThrow(/no encryption/);
  }, STEP_MS);

  it('resets the database password on the reset-password label', async () => {
    const before = await h.secret('fooservice-postgres-credentials');
    await h.patch('PostgreSQLDatabase', 'fooservice', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await labelGone('PostgreSQLDatabase', 'fooservice');
    const after = await h.secret('fooservice-postgres-credentials');
    expect(after?.password).not.toBe(before?.password);
    const app = await login(after!);
    await app.query('SELECT count(*) FROM notes');
    await app.end();
    expect(await loginFails(after!, before!.password)).toMatch(/password authentication failed/);
  }, STEP_MS);

  it('resets the admin password through ModifyDBInstance; RDS and the Secret agree', async () => {
    const before = await h.secret('teamfoo-postgres-credentials');
    await h.patch('PostgreSQLServer', 'teamfoo', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await labelGone('PostgreSQLServer', 'teamfoo');
    await h.waitForReady('PostgreSQLServer', 'teamfoo', 'True', 'Available', STEP_MS);
    const after = await h.secret('teamfoo-postgres-credentials');
    expect(after?.password).not.toBe(before?.password);
    const modifies = emulator.callsOf('ModifyDBInstance').filter((c) => c.params.MasterUserPassword !== undefined);
    expect(modifies.map((c) => c.params.MasterUserPassword)).toEqual([after?.password]);
    expect(modifies[0]?.params).toMatchObject({ DBInstanceIdentifier: INSTANCE, ApplyImmediately: 'false' });
    expect(emulator.masterPassword(INSTANCE)).toBe(after?.password);
    expect(engine.log.at(-1)).toBe(`${INSTANCE}: changed the password of ${MASTER}`);
    const admin = await login(after!);
    await admin.end();
    expect(await loginFails(after!, before!.password)).toMatch(/password authentication failed/);
  }, STEP_MS);

  it('an operator trusting another CA cannot reach the server; restarted with the right one it can', async () => {
    const otherFile = join(dir, 'other-ca.pem');
    await writeFile(otherFile, ca.otherCaPem);
    const good = h.config;
    await h.stopOperator();
    await h.startOperator(configFrom(testConfig(h.pg.port, operatorConfig(otherFile))));
    await h.apply(BARSERVICE);
    const refused = await h.waitForReady('PostgreSQLDatabase', 'barservice', 'False', 'BackendError', STEP_MS);
    expect(refused.message).toMatch(/certificate/i);
    await h.stopOperator();
    await h.startOperator(good);
    await h.waitForReady('PostgreSQLDatabase', 'barservice', 'True', undefined, STEP_MS);
    const app = await login((await h.secret('barservice-postgres-credentials'))!);
    await app.end();
    // The restarts created nothing twice.
    expect(emulator.callsOf('CreateDBInstance')).toHaveLength(1);
  }, STEP_MS);

  it('drops the database and its role when the PostgreSQLDatabase is deleted (with the new admin password)', async () => {
    await h.delete('PostgreSQLDatabase', 'fooservice');
    await waitFor(async () => !(await h.get('PostgreSQLDatabase', 'fooservice')), STEP_MS, () => 'PostgreSQLDatabase fooservice gone');
    const rows = await engine.query<{ db: number; role: number }>(
      "SELECT (SELECT count(*) FROM pg_database WHERE datname = 'fooservice')::int AS db, (SELECT count(*) FROM pg_roles WHERE rolname = 'fooservice')::int AS role");
    expect(rows).toEqual([{ db: 0, role: 0 }]);
  }, STEP_MS);

  it('deletes the RDS instance with a final snapshot when the PostgreSQLServer is deleted', async () => {
    await h.delete('PostgreSQLServer', 'teamfoo');
    await waitFor(async () => !(await h.get('PostgreSQLServer', 'teamfoo')), STEP_MS, () => 'PostgreSQLServer teamfoo gone');
    expect(emulator.instance(INSTANCE)).toBeUndefined();
    const deletes = emulator.callsOf('DeleteDBInstance');
    expect(deletes).toHaveLength(1);
    const snapshot = deletes[0]!.params.FinalDBSnapshotIdentifier;
    expect(snapshot).toMatch(new RegExp(`^${INSTANCE}-final-\\d{14}$`));
    expect(deletes[0]!.params.SkipFinalSnapshot).not.toBe('true');
    expect([...emulator.snapshots]).toEqual([snapshot]);
    expect(emulator.hookErrors).toEqual([]);
  }, STEP_MS);
});

/** Merges `extra` into `base` (objects key by key, everything else replaced). */
function deepAssign(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const old = out[k];
    const bothObjects = v && typeof v === 'object' && !Array.isArray(v) && old && typeof old === 'object' && !Array.isArray(old);
    out[k] = bothObjects ? deepAssign(old as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
