/**
 * The credentials Secret as applications use it: its libpq keys alone (what `envFrom` gives a
 * pod) let psql connect with no arguments; every key and template renders.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Harness, waitFor } from '../support/operator-harness.js';
import { loopbackStatefulSet } from '../support/loopback-statefulset.js';
import { findPostgresBinDir } from '../support/postgres-server.js';

const SERVER = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: keys }
spec:
  size: { storageGB: 1 }
  credentialsSecret: keys-admin
  credentialsTemplate: { ADMIN_URL: "{{ .uri }}" }`;

const DATABASE = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: keys-app }
spec:
  serverRef: { name: keys }
  credentialsSecret: keys-app-creds
  credentialsTemplate:
    ALL: "{{ .host }}|{{.port}}|{{ .dbname }}|{{ .username }}|{{ .password }}|{{ .sslmode }}|{{ .uri }}|{{ .jdbcUrl }}|{{ .caCrt }}"
    DATABASE_URL: "{{ .uri }}&application_name=app"
    SPRING_DATASOURCE_URL: "{{ .jdbcUrl }}"
    PGSSLROOTCERT: /etc/postgres/ca.crt`;

const BAD_TEMPLATE = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: keys-bad }
spec:
  serverRef: { name: keys }
  credentialsSecret: keys-bad-creds
  credentialsTemplate: { URL: "{{ .url }}" }`;

/** psql with an environment made only of the Secret's PG* keys (and PATH), no arguments. */
async function psqlWith(secret: Record<string, string>, sql: string): Promise<string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [k, v] of Object.entries(secret)) if (k.startsWith('PG')) env[k] = v;
  const child = spawn(`${findPostgresBinDir()}/psql`, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(sql);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`psql exited ${code}: ${err}`);
  return out;
}

describe('credentials Secret keys', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ backendOverrides: loopbackStatefulSet });
    await h.apply(`${SERVER}\n---\n${DATABASE}`);
    await h.waitForReady('PostgreSQLDatabase', 'keys-app');
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('carries libpq variables next to the existing keys, with the same values', async () => {
    const data = (await h.secret('keys-app-creds'))!;
    expect(data).toMatchObject({
      PGHOST: data.host,
      PGPORT: data.port,
      PGDATABASE: 'keys_app',
      PGUSER: 'keys_app',
      PGPASSWORD: data.password,
      PGSSLMODE: data.sslmode,
      hostname: '127.0.0.1',
      dbname: 'keys_app',
      username: 'keys_app',
    });
    // Only where the team's template names its own mount path.
    expect(await h.secret('keys-admin')).not.toHaveProperty('PGSSLROOTCERT');
  });

  it('lets psql connect with the database Secret as its only settings', async () => {
    const out = await psqlWith((await h.secret('keys-app-creds'))!, 'SELECT current_user || \'@\' || current_database();');
    expect(out).toContain('keys_app@keys_app');
  });

  it('lets psql connect with the server Secret as its only settings', async () => {
    const out = await psqlWith((await h.secret('keys-admin'))!, 'SELECT current_database();');
    expect(out).toContain('postgres');
  });

  it('renders every template field, literal text included', async () => {
    const data = (await h.secret('keys-app-creds'))!;
    const fields = [data.host, data.port, data.dbname, data.username, data.password, data.sslmode, data.uri, data['jdbc-url'], ''];
    expect(data.ALL).toBe(fields.join('|'));
    expect(data.DATABASE_URL).toBe(`${data.uri}&application_name=app`);
    expect(data.SPRING_DATASOURCE_URL).toBe(data['jdbc-url']);
    expect(data.PGSSLROOTCERT).toBe('/etc/postgres/ca.crt');
    expect((await h.secret('keys-admin'))?.ADMIN_URL).toBe((await h.secret('keys-admin'))?.uri);
  });

  it('refuses an unknown template field with InvalidSpec and an event, creating nothing', async () => {
    await h.apply(BAD_TEMPLATE);
    const ready = await h.waitForReady('PostgreSQLDatabase', 'keys-bad', 'False', 'InvalidSpec');
    expect(ready.message).toMatch(/spec.credentialsTemplate: key "URL": unknown field ".url"/);
    await waitFor(async () => (await h.events('keys-bad')).some((e) => e.type === 'Warning' && e.reason === 'InvalidSpec'), 10_000, () => 'InvalidSpec event');
    expect(await h.secret('keys-bad-creds')).toBeUndefined();
    expect((await h.kubelet.query("SELECT 1 FROM pg_database WHERE datname = 'keys_bad'")).rowCount).toBe(0);
    // Fixed: the database comes.
    await h.patch('PostgreSQLDatabase', 'keys-bad', { spec: { credentialsTemplate: { URL: '{{ .uri }}' } } });
    await h.waitForReady('PostgreSQLDatabase', 'keys-bad');
    expect((await h.secret('keys-bad-creds'))?.URL).toBe((await h.secret('keys-bad-creds'))?.uri);
  });

  it('templated keys follow a password reset', async () => {
    const before = (await h.secret('keys-app-creds'))!;
    await h.patch('PostgreSQLDatabase', 'keys-app', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => (await h.secret('keys-app-creds'))?.password !== before.password, 20_000, () => 'password reset');
    const after = (await h.secret('keys-app-creds'))!;
    expect(after.DATABASE_URL).toBe(`${after.uri}&application_name=app`);
    expect(after.DATABASE_URL).toContain(after.password);
    expect(after.PGPASSWORD).toBe(after.password);
  });
});
