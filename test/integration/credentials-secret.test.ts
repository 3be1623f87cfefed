/**
 * The credentials Secret as applications use it: its libpq keys alone (what `envFrom` gives a
 * pod) let psql connect with no arguments; every key and template renders.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Harness } from '../support/operator-harness.js';
import { loopbackStatefulSet } from '../support/loopback-statefulset.js';
import { findPostgresBinDir } from '../support/postgres-server.js';

const SERVER = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: keys }
spec: { size: { storageGB: 1 }, credentialsSecret: keys-admin }`;

const DATABASE = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: keys-app }
spec: { serverRef: { name: keys }, credentialsSecret: keys-app-creds }`;

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
    expect(data).not.toHaveProperty('PGSSLROOTCERT');
  });

  it('lets psql connect with the database Secret as its only settings', async () => {
    const out = await psqlWith((await h.secret('keys-app-creds'))!, 'SELECT current_user || \'@\' || current_database();');
    expect(out).toContain('keys_app@keys_app');
  });

  it('lets psql connect with the server Secret as its only settings', async () => {
    const out = await psqlWith((await h.secret('keys-admin'))!, 'SELECT current_database();');
    expect(out).toContain('postgres');
  });
});
