import { credentialsData } from '../../src/handlers/credentials.js';
import { databaseLabels } from '../../src/handlers/labels.js';
import { databaseStoreName, STORE_PASSWORD } from '../../src/handlers/names.js';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../../src/api/constants.js';
import { ensureDatabase, ensureRole, PoolRegistry, toPgName } from '../../src/postgres/index.js';
import { generatePassword } from '../../src/util/password.js';
import type { Api } from '../lib/api.js';
import type { BenchEnv } from '../lib/environment.js';
import { NAMESPACE, SERVER } from '../lib/objects.js';
import { parallel } from '../lib/stats.js';

export const BASELINE_APP = 'bench-baseline';

export interface BaselineResult {
  workers: number;
  seconds: number;
  statements: number;
  connections: number;
}

/**
 * What the operator must do per database at the least, without the operator: the same SQL (the
 * project's own ensureRole / ensureDatabase over the same kind of pool registry) and the same two
 * Secret writes (password store, then credentials) — no CRs, watches, queue, finalizer, status or
 * events. `workers` = 1 is the serial baseline, `workers` = the operator's concurrency the other.
 */
export async function runBaseline(env: BenchEnv, names: readonly string[], workers: number): Promise<BaselineResult> {
  const pools = new PoolRegistry({ applicationName: BASELINE_APP });
  const admin = { host: env.pg.host, port: env.pg.port, user: env.pg.user, password: env.pg.password, database: 'postgres', sslmode: 'disable' as const };
  const serverPools = pools.forServer(admin);
  const endpoint = { host: `${SERVER}-postgresql.${NAMESPACE}.svc`, port: 5432, sslmode: 'disable' as const };
  env.pgLog.mark();
  const started = performance.now();
  try {
    await parallel(names, workers, async (name) => {
      const pgName = toPgName(name);
      const password = generatePassword(16);
      const labels = databaseLabels(SERVER, name);
      await writeSecret(env.client, databaseStoreName(name), labels, { [STORE_PASSWORD]: password });
      await ensureRole(serverPools.admin, pgName, password);
      await ensureDatabase(serverPools, { name: pgName, owner: pgName });
      await writeSecret(env.client, `${name}-credentials`, labels, credentialsData({ endpoint, database: pgName, username: pgName, password }));
    });
    const seconds = (performance.now() - started) / 1000;
    const sql = env.pgLog.activity(BASELINE_APP);
    return { workers, seconds, statements: sql.statements, connections: sql.connections };
  } finally {
    await pools.closeAll();
  }
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
