import type * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { DATABASE_PLURAL, SERVER_PLURAL } from '../api/constants.js';
import type { PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import { BackendRegistry } from '../backends/registry.js';
import type { AdminConnection, BackendFactory } from '../backends/types.js';
import type { OperatorConfig } from '../config/types.js';
import { SecretStore } from '../handlers/secret-store.js';
import { createKubeClients } from '../k8s/clients.js';
import { CustomResourceClient } from '../k8s/custom-resources.js';
import { findDatabaseOwner, withSession } from '../postgres/index.js';
import { formatPlans, planTakeover } from './plan.js';

export interface MigrateOptions {
  config: OperatorConfig;
  kc: k8s.KubeConfig;
  out: NodeJS.WritableStream;
  /** Replace backend factories (tests wire cloud emulators this way). */
  backendOverrides?: Partial<Record<string, BackendFactory>>;
}

/**
 * `migrate`: prints what the takeover from the Python operator will do for every CR and returns
 * the exit code: 0 when nothing would block, 1 otherwise. Read-only: it lists CRs and reads
 * Secrets, calls only the backends' read-only `observe` and logs in to prove Secrets.
 */
export async function runMigrate(opts: MigrateOptions): Promise<number> {
  const kube = createKubeClients(opts.kc);
  const log = pino({ level: 'warn' }, pino.destination(2));
  const backends = new BackendRegistry({ config: opts.config, kube, log }, opts.backendOverrides);
  const namespaces = opts.config.watch_namespaces.length ? opts.config.watch_namespaces : [undefined];
  const servers: PostgreSQLServer[] = [];
  const databases: PostgreSQLDatabase[] = [];
  for (const namespace of namespaces) {
    servers.push(...(await new CustomResourceClient<PostgreSQLServer>(kube, SERVER_PLURAL).list(namespace)).items);
    databases.push(...(await new CustomResourceClient<PostgreSQLDatabase>(kube, DATABASE_PLURAL).list(namespace)).items);
  }
  const plans = await planTakeover({ config: opts.config, backends, secrets: new SecretStore(kube), databaseOwner }, servers, databases);
  opts.out.write(formatPlans(plans));
  return plans.some((p) => p.blockers.length > 0) ? 1 : 0;
}

async function databaseOwner(admin: AdminConnection, database: string): Promise<string | undefined> {
  return withSession(admin, (client) => findDatabaseOwner(client, database));
}
