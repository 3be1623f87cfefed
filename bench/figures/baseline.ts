import { credentialsData } from '../../src/handlers/credentials.js';
import { databaseLabels } from '../../src/handlers/labels.js';
import { databaseStoreName, STORE_PASSWORD } from '../../src/handlers/names.js';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../../src/api/constants.js';
import pg, { type QueryResultRow } from 'pg';
import { assertClaimable, ensureDatabase, ensureRole, PoolRegistry, toPgName, type Queryable, type ServerPools } from '../../src/postgres/index.js';
import { generatePassword } from '../../src/util/password.js';
import type { Api } from '../lib/api.js';
import type { BenchEnv } from '../lib/environment.js';
import { databaseNames, NAMESPACE, SERVER, WARMUP_DATABASES } from '../lib/objects.js';
import { parallel, round } from '../lib/stats.js';
import { loadavg } from 'node:os';
import { machineSince, machineTimes, threadCpuSeconds, threadCpuSince, type ThreadCpu } from '../lib/proc-stats.js';

export const sumMs = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

export const BASELINE_APP = 'bench-baseline';

export interface BaselineResult {
  workers: number;
  seconds: number;
  statements: number;
  connections: number;
  /** Seconds PostgreSQL spent in CREATE DATABASE, summed over all databases. */
  createDatabaseSecondsTotal: number;
  /** CPU seconds of the bench process (fake API server, the baseline's own client work). */
  harnessCpuSeconds: number;
  /** `harnessCpuSeconds` by thread; the libuv pool is the script's PBKDF2, as in the operator. */
  harnessCpuByThread: ThreadCpu;
  loadAverage: number;
  /** CPU seconds the whole machine was busy meanwhile (PostgreSQL, bench, anything else). */
  machineBusySeconds: number;
  /** CPU seconds the hypervisor gave to other machines meanwhile (see `machineTimes`). */
  stealSeconds: number;
}

/**
 * What the operator must do per database at the least, without the operator: the same SQL (the
 * project's own assertClaimable / ensureRole / ensureDatabase, as the handler runs them for a new
 * database) and the same two Secret writes (password store, then
 * credentials) — no CRs, watches, queue, finalizer, status or events. `workers` = 1 is the serial
 * baseline, `workers` = the operator's concurrency the other.
 *
 * Connections: the admin work goes through a PoolRegistry pool, as in the operator; the one
 * statement run inside each new database uses a connection opened for it and closed at once
 * (what a plain script does). The operator's PoolRegistry instead keeps a pool per database for
 * its idle timeout, which runs PostgreSQL out of connections beyond ~100 databases at a time.
 */
export async function runBaseline(env: BenchEnv, names: readonly string[], workers: number): Promise<BaselineResult> {
  const pools = new PoolRegistry({ applicationName: BASELINE_APP });
  const admin = { host: env.pg.host, port: env.pg.port, user: env.pg.user, password: env.pg.password, database: 'postgres', sslmode: 'disable' as const };
  const serverPools: ServerPools = { admin: pools.get(admin), forDatabase: (database) => oneShot({ host: admin.host, port: admin.port, user: admin.user, password: admin.password, database }) };
  const endpoint = { host: `${SERVER}-postgresql.${NAMESPACE}.svc`, port: 5432, sslmode: 'disable' as const };
  const makeDatabase = async (name: string): Promise<void> => {
    const pgName = toPgName(name);
    const password = generatePassword(16);
    const labels = databaseLabels(SERVER, name);
    await writeSecret(env.client, databaseStoreName(name), labels, { [STORE_PASSWORD]: password });
    const claimant = `${NAMESPACE}/${name}`;
    await assertClaimable(serverPools.admin, pgName, claimant);
    await ensureRole(serverPools.admin, pgName, password);
    await ensureDatabase(serverPools, { name: pgName, owner: pgName, claimant });
    await writeSecret(env.client, `${name}-credentials`, labels, credentialsData({ endpoint, database: pgName, username: pgName, password }));
  };
  try {
    // Warmed up like the operator's round (see WARMUP_DATABASES), untimed and uncounted.
    await parallel(databaseNames('warm', WARMUP_DATABASES), workers, makeDatabase);
    env.pgLog.mark();
    const loadAverage = round(loadavg()[0] ?? 0, 2);
    const cpuBefore = process.cpuUsage();
    const threadsBefore = threadCpuSeconds(process.pid);
    const machineBefore = machineTimes();
    const started = performance.now();
    await parallel(names, workers, makeDatabase);
    const seconds = round((performance.now() - started) / 1000);
    const cpu = process.cpuUsage(cpuBefore);
    const harnessCpuSeconds = round((cpu.user + cpu.system) / 1e6, 2);
    const harnessCpuByThread = threadCpuSince(threadsBefore, threadCpuSeconds(process.pid), harnessCpuSeconds);
    const machine = machineSince(machineBefore);
    const sql = env.pgLog.activity(BASELINE_APP);
    return {
      workers,
      seconds,
      statements: sql.statements,
      connections: sql.connections,
      createDatabaseSecondsTotal: round(sumMs(sql.createDatabaseMs) / 1000, 2),
      harnessCpuSeconds,
      harnessCpuByThread,
      loadAverage,
      ...machine,
    };
  } finally {
    await pools.closeAll();
  }
}

/** A Queryable that connects for each statement and disconnects right after it. */
function oneShot(conn: pg.ClientConfig): Queryable {
  return {
    query: async <R extends QueryResultRow>(text: string, values?: unknown[]) => {
      const client = new pg.Client({ ...conn, application_name: BASELINE_APP });
      await client.connect();
      try {
        return await client.query<R>(text, values);
      } finally {
        await client.end();
      }
    },
  };
}

async function writeSecret(api: Api, name: string, labels: Record<string, string>, data: Record<string, string>): Promise<void> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  await api.create(api.secrets(NAMESPACE), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE, labels: { ...labels, [LABEL_MANAGED_BY]: MANAGED_BY } },
    type: 'Opaque',
    data: encoded,
  });
}
