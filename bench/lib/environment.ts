import type { KubeConfig } from '@kubernetes/client-node';
import { startFakeApiServer, type FakeApiServer } from '../../test/support/fake-apiserver/index.js';
import { FakeKubelet } from '../../test/support/fake-kubelet.js';
import { CRD_FILES } from '../../test/support/operator-harness.js';
import { startPostgres, type TestPostgres } from '../../test/support/postgres-server.js';
import { Api } from './api.js';
import { PG_LOG_SETTINGS, PgLog } from './pg-log.js';

/** Where the operator's statements show up in the PostgreSQL log (the PoolRegistry's default). */
export const OPERATOR_APP = 'hybrid-cloud-postgresql-operator';

/**
 * One isolated world per measurement: a fake API server with the CRDs, a fresh PostgreSQL (its
 * data directory is thrown away afterwards, so thousands of databases never pile up on disk) and
 * the fake kubelet that makes a server's StatefulSet ready.
 */
export interface BenchEnv {
  api: FakeApiServer;
  client: Api;
  kc: KubeConfig;
  pg: TestPostgres;
  /** The `-c` settings PostgreSQL was started with (its defaults apply to everything else). */
  pgSettings: Record<string, string>;
  pgLog: PgLog;
  kubelet: FakeKubelet;
  /**
   * Ends the fake kubelet once the server is Ready: it polls the StatefulSets ten times a second,
   * traffic that would otherwise be counted against the operator.
   */
  stopKubelet(): Promise<void>;
  close(): Promise<void>;
}

export interface EnvOptions {
  /** Watch history kept by the fake API server (large populations need more than the default). */
  historyLimit?: number;
  /** PostgreSQL settings for this environment only. */
  pgSettings?: Record<string, string>;
}

/** Extra PostgreSQL settings for every environment of this run (set once from the command line). */
const extraPgSettings: Record<string, string> = {};

export function setPostgresSettings(settings: Record<string, string>): void {
  Object.assign(extraPgSettings, settings);
}

export async function startEnv(opts: EnvOptions = {}): Promise<BenchEnv> {
  const pgSettings = { ...PG_LOG_SETTINGS, ...extraPgSettings, ...opts.pgSettings };
  const [api, postgres] = await Promise.all([
    startFakeApiServer({ crdFiles: CRD_FILES, historyLimit: opts.historyLimit ?? 50_000 }),
    startPostgres({ settings: pgSettings }),
  ]);
  const kc = api.kubeConfig();
  const kubelet = new FakeKubelet(kc, postgres);
  await kubelet.start();
  let kubeletRunning = true;
  const stopKubelet = async () => {
    if (!kubeletRunning) return;
    kubeletRunning = false;
    await kubelet.stop();
  };
  return {
    api,
    client: new Api(api.url),
    kc,
    pg: postgres,
    pgSettings,
    pgLog: new PgLog(postgres),
    kubelet,
    stopKubelet,
    close: async () => {
      await stopKubelet();
      await Promise.all([api.close(), postgres.stop()]);
    },
  };
}
