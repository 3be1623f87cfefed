import { API_VERSION, DATABASE_KIND, FINALIZER, SERVER_KIND } from '../../src/api/constants.js';
import { Reason } from '../../src/api/conditions.js';
import type { PostgreSQLDatabase, PostgreSQLServer } from '../../src/api/types.js';
import { credentialsData } from '../../src/handlers/credentials.js';
import { databaseLabels } from '../../src/handlers/labels.js';
import { databaseStoreName, STORE_PASSWORD } from '../../src/handlers/names.js';
import { ownerReference } from '../../src/handlers/server-access.js';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../../src/api/constants.js';
import { toPgName } from '../../src/postgres/index.js';
import { generatePassword } from '../../src/util/password.js';
import type { Api } from './api.js';
import type { BenchEnv } from './environment.js';
import { parallel, until } from './stats.js';

export const NAMESPACE = 'default';
export const SERVER = 'bench';

export function serverBody(name = SERVER): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: SERVER_KIND,
    metadata: { name, namespace: NAMESPACE },
    spec: { version: 'latest', size: { storageGB: 1 }, credentialsSecret: `${name}-admin-credentials` },
  };
}

export function databaseBody(name: string, server = SERVER): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: DATABASE_KIND,
    metadata: { name, namespace: NAMESPACE },
    spec: { serverRef: { name: server }, credentialsSecret: `${name}-credentials` },
  };
}

/**
 * Databases each side makes before its timed run. The operator is a fresh process in every world,
 * while a long-running operator's code is compiled and optimised and its connections are open, as
 * the bench process's is for the baseline after its first round. With 10 the operator still spent
 * 20 ms of CPU per database at N = 100 against 12 at N = 1000 (V8 had not optimised it yet): N = 100
 * measured V8 warming up more than the operator.
 */
export const WARMUP_DATABASES = 50;

export const databaseNames = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

/** Creates the PostgreSQLServer and waits (the operator must be running) until it is Ready. */
export async function createReadyServer(api: Api, timeoutMs = 120_000): Promise<PostgreSQLServer> {
  await api.create(api.servers(NAMESPACE), serverBody());
  let server: PostgreSQLServer | undefined;
  await until(
    async () => {
      server = await api.get<PostgreSQLServer>(api.servers(NAMESPACE, SERVER));
      return server?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
    timeoutMs,
    () => `PostgreSQLServer ${SERVER} Ready; status ${JSON.stringify(server?.status?.conditions)}`,
    100,
  );
  return server as PostgreSQLServer;
}

/** The one Ready server every figure works against; the fake kubelet is not needed after it. */
export async function prepareServer(env: BenchEnv): Promise<PostgreSQLServer> {
  const server = await createReadyServer(env.client);
  await env.stopKubelet();
  return server;
}

/**
 * Writes `names` as PostgreSQLDatabases that look exactly like ones the operator finished earlier
 * (finalizer, Ready status for their generation, store and credentials Secrets owned by them) —
 * without touching PostgreSQL. The restart and memory figures need thousands of these; reconciling
 * them for real would mean thousands of CREATE DATABASE. Many requests in flight let the fake API
 * server's garbage collector (a sweep over the whole store after each burst of writes) run once per
 * burst instead of once per write.
 */
export async function populateSettledDatabases(api: Api, server: PostgreSQLServer, names: readonly string[], concurrency = 64): Promise<void> {
  const endpoint = server.status?.endpoint;
  if (!endpoint) throw new Error('the server has no endpoint in its status');
  await parallel(names, concurrency, async (name) => {
    const body = databaseBody(name);
    (body.metadata as Record<string, unknown>).finalizers = [FINALIZER];
    const created = await api.create<PostgreSQLDatabase>(api.databases(NAMESPACE), body);
    const pgName = toPgName(name);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const generation = created.metadata.generation ?? 1;
    await api.mergePatch(api.databases(NAMESPACE, name, 'status'), {
      status: {
        observedGeneration: generation,
        database: pgName,
        username: pgName,
        serverUid: server.metadata.uid,
        conditions: [{ type: 'Ready', status: 'True', reason: Reason.Available, message: `database ${pgName} is ready`, observedGeneration: generation, lastTransitionTime: now }],
      },
    });
    const owner = ownerReference({ ...created, kind: DATABASE_KIND });
    const labels = { ...databaseLabels(SERVER, name), [LABEL_MANAGED_BY]: MANAGED_BY };
    const password = generatePassword(16);
    const data = credentialsData({ endpoint: { host: endpoint.host, port: endpoint.port, sslmode: 'disable' }, database: pgName, username: pgName, password });
    await api.create(api.secrets(NAMESPACE), secretBody(databaseStoreName(name), owner, labels, { [STORE_PASSWORD]: password }));
    await api.create(api.secrets(NAMESPACE), secretBody(`${name}-credentials`, owner, labels, data));
  });
}

function secretBody(name: string, owner: unknown, labels: Record<string, string>, data: Record<string, string>): Record<string, unknown> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE, labels, ownerReferences: [owner] }, type: 'Opaque', data: encoded };
}
