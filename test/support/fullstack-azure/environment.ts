/**
 * Everything a full-stack run of the `azurepostgresflexible` backend needs: the fake Kubernetes
 * API with the operator in process (the shared Harness), the ARM emulator behind the real Azure
 * SDK, and a real PostgreSQL standing in for the Flexible Server — reached at the host name the
 * emulator reports (`localhost`), with TLS from a test CA the operator is told to trust through the
 * production `ca_bundle_file` option, and Azure's admin login mirrored into it.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { azureFlexibleFactory } from '../../../src/backends/azure-flexible/index.js';
import type { OperatorConfig } from '../../../src/config/types.js';
import { startAzureEmulator, type AzureEmulator } from '../azure-emulator/index.js';
import { configFrom, Harness, testConfig } from '../operator-harness.js';
import { mirrorAdminLogins, type AdminMirror } from './admin-mirror.js';
import { makeTestCa, type TestCa } from '../test-ca.js';

/** The host name the emulator reports for every server; the test certificate names it. */
export const SERVER_HOST = 'localhost';
/** Not the example's default `postgres`: that is the test PostgreSQL's own bootstrap superuser. */
export const ADMIN_LOGIN = 'azureadmin';

export interface AzureFullstack {
  h: Harness;
  emu: AzureEmulator;
  ca: TestCa;
  mirror: AdminMirror;
  /** The operator config for the run, with `extra` merged over the `backends.azure` section. */
  operatorConfig(azureExtra?: Record<string, unknown>): OperatorConfig;
  stop(): Promise<void>;
}

/**
 * Only the test's own bootstrap roles (the superuser and the fake kubelet's) may log in over plain
 * TCP; Azure's admin and every role the operator creates must use TLS, as on Azure — so a Ready
 * database proves the operator's connection was encrypted.
 */
const HBA = [
  'local all all trust',
  'host all postgres,fake_kubelet 127.0.0.1/32 scram-sha-256',
  'hostssl all all 127.0.0.1/32 scram-sha-256',
  '',
].join('\n');

/** The operator config of examples/values-azure.yaml, as a platform team would deploy it. */
function exampleOperatorConfig(): Record<string, unknown> {
  const values = parse(readFileSync('examples/values-azure.yaml', 'utf8')) as { operatorConfig: string };
  return parse(values.operatorConfig) as Record<string, unknown>;
}

function withAzure(base: Record<string, unknown>, azure: Record<string, unknown>): Record<string, unknown> {
  const backends = base.backends as Record<string, Record<string, unknown>>;
  return { ...base, backends: { ...backends, azure: { ...backends.azure, ...azure } } };
}

export async function startAzureFullstack(): Promise<AzureFullstack> {
  const ca = await makeTestCa([`DNS:${SERVER_HOST}`]);
  const serverCert = ca.certs[`DNS:${SERVER_HOST}`]!;
  // Readable by the postgres OS user the test server runs as (when the tests run as root).
  const dir = await mkdtemp(join(tmpdir(), 'hcpo-azure-fullstack-'));
  await chmod(dir, 0o755);
  const caBundleFile = join(dir, 'ca-bundle.pem');
  const hbaFile = join(dir, 'pg_hba.conf');
  await writeFile(caBundleFile, ca.caPem, { mode: 0o644 });
  await writeFile(hbaFile, HBA, { mode: 0o644 });
  let emu: AzureEmulator | undefined;
  let h: Harness | undefined;
  try {
    emu = await startAzureEmulator();
    emu.fqdn = () => SERVER_HOST;
    const azure = { subscription_id: emu.subscriptionId, admin_username: ADMIN_LOGIN, ca_bundle_file: caBundleFile };
    const configObject = (extra: Record<string, unknown> = {}) => withAzure(exampleOperatorConfig(), { ...azure, ...extra });
    const transport = { credential: emu.credential, httpClient: emu.httpClient };
    h = await Harness.start({
      postgres: { tls: serverCert, settings: { hba_file: hbaFile } },
      config: configObject(),
      // Azure's port is 5432; the stand-in listens on a random one. Tiny poll intervals.
      backendOverrides: (pgServer) => ({
        azurepostgresflexible: azureFlexibleFactory({ ...transport, port: pgServer.port, pollSeconds: { long: 0.2, short: 0.2 }, sdkPollIntervalMs: 10 }),
      }),
    });
    const harness = h;
    const emulator = emu;
    const mirror = mirrorAdminLogins(emu, h.pg);
    return {
      h,
      emu,
      ca,
      mirror,
      operatorConfig: (extra = {}) => configFrom(testConfig(harness.pg.port, configObject(extra))),
      stop: async () => {
        mirror.stop();
        await harness.stop();
        await emulator.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await h?.stop();
    await emu?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Logs in with a credentials Secret's values, as an application would (TLS trusting `ca`). */
export async function loginWithSecret(data: Record<string, string>, opts: { ca?: string; database?: string } = {}): Promise<pg.Client> {
  const client = new pg.Client({
    host: data.host,
    port: Number(data.port),
    user: data.username,
    password: data.password,
    database: opts.database ?? data.dbname,
    ssl: { ca: opts.ca ?? data['ca.crt'], rejectUnauthorized: true },
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return client;
}

/** Runs one query as the test PostgreSQL's superuser (plain TCP is allowed for it, see HBA). */
export async function superuserQuery<R extends pg.QueryResultRow>(h: Harness, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ host: h.pg.host, port: h.pg.port, user: h.pg.user, password: h.pg.password, database: 'postgres' });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
