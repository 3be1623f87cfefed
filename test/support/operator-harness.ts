import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { parse, stringify } from 'yaml';
import { GROUP, VERSION } from '../../src/api/constants.js';
import { loadConfig } from '../../src/config/load.js';
import type { BackendFactory } from '../../src/backends/types.js';
import type { OperatorConfig } from '../../src/config/types.js';
import { createKubeClients, isNotFound, type KubeClients } from '../../src/k8s/clients.js';
import { createLogger } from '../../src/observability/logger.js';
import { Operator, type OperatorHooks } from '../../src/operator.js';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver/index.js';
import { FakeKubelet } from './fake-kubelet.js';
import { startPostgres, type StartPostgresOptions, type TestPostgres } from './postgres-server.js';

export const CRD_FILES = ['crds/postgresqlservers.yaml', 'crds/postgresqldatabases.yaml', 'crds/postgresqltables.yaml'];
/** The bearer token of the in-process operator's requests (see FakeApiServer.requestCountsFor). */
export const OPERATOR_CLIENT = 'operator';
export interface HarnessOptions {
  /** Extra config YAML merged over the test defaults (statefulset backend, short resync). */
  config?: Record<string, unknown>;
  /** How to start the real PostgreSQL (e.g. with TLS). */
  postgres?: StartPostgresOptions;
  /** Backend factories replacing the registry's (e.g. a cloud backend wired to its emulator). */
  backendOverrides?: (pg: TestPostgres) => Partial<Record<string, BackendFactory>>;
  /** The operator's reporting hooks (e.g. the real metrics). */
  hooks?: OperatorHooks;
  /** Called after each step of a password rotation; a test may stop there (see Operator). */
  failpoint?: (step: string) => Promise<void> | void;
  /** CRD files served besides the operator's own (e.g. cert-manager's). */
  extraCrdFiles?: string[];
}

/** Test defaults: the statefulset backend reaching the test's PostgreSQL, fast retries. */
export function testConfig(pgPort: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    handler_on_resume: false,
    backend: 'statefulset',
    allowed_backends: [],
    // Cloud servers are read at every resync here (cloud_check_seconds 1): tests of drift see it at once.
    reconcile: { resync_seconds: 30, concurrency: 4, backoff_base_seconds: 0.2, backoff_max_seconds: 2, update_backoff_seconds: 0.2, cloud_check_seconds: 1 },
    leader_election: { enabled: false },
    // Off unless a suite turns it on: most suites check other things over plain TCP.
    tls: { enabled: false },
    backends: {
      statefulset: {
        operator_endpoint: `127.0.0.1:${pgPort}`,
        classes: { small: { cpu: '500m', memory: '512Mi' }, large: { cpu: '2', memory: '4Gi' } },
        default_class: 'small',
        storage_limit_gb: 100,
      },
    },
  };
  return deepMerge(base, extra);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && old && typeof old === 'object' && !Array.isArray(old) ? deepMerge(old as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** Loads a config object through the real loader (file → schema → validation). */
export function configFrom(obj: Record<string, unknown>): OperatorConfig {
  const dir = mkdtempSync(join(tmpdir(), 'hcpo-config-'));
  try {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(obj));
    return loadConfig({ file, env: {} });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A fake API server with the CRDs, a real PostgreSQL, the fake kubelet, and the operator running
 * in this process; plus helpers to apply YAML and wait for conditions.
 */
export class Harness {
  readonly kube: KubeClients;
  readonly logLines: string[] = [];
  operator?: Operator;
  config: OperatorConfig;
  backendOverrides?: Partial<Record<string, BackendFactory>>;
  hooks?: OperatorHooks;
  failpoint?: (step: string) => Promise<void> | void;

  private constructor(
    readonly api: FakeApiServer,
    readonly pg: TestPostgres,
    readonly kubelet: FakeKubelet,
    readonly kc: KubeConfig,
    config: OperatorConfig,
  ) {
    this.kube = createKubeClients(kc);
    this.config = config;
  }

  static async start(opts: HarnessOptions = {}): Promise<Harness> {
    const [api, pg] = await Promise.all([startFakeApiServer({ crdFiles: [...CRD_FILES, ...(opts.extraCrdFiles ?? [])] }), startPostgres(opts.postgres)]);
    const kc = api.kubeConfig();
    const kubelet = new FakeKubelet(kc, pg);
    await kubelet.start();
    const h = new Harness(api, pg, kubelet, kc, configFrom(testConfig(pg.port, opts.config)));
    h.backendOverrides = opts.backendOverrides?.(pg);
    h.hooks = opts.hooks;
    h.failpoint = opts.failpoint;
    await h.startOperator();
    return h;
  }

  async startOperator(config: OperatorConfig = this.config): Promise<Operator> {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        this.logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger({ level: 'debug', destination: sink });
    // The operator's requests carry their own token, so tests can tell them from their own.
    const operator = new Operator({ config, kc: this.api.kubeConfig(undefined, OPERATOR_CLIENT), log, backendOverrides: this.backendOverrides, hooks: this.hooks, failpoint: this.failpoint });
    await operator.startWatching();
    operator.startReconciling();
    this.operator = operator;
    return operator;
  }

  async stopOperator(): Promise<void> {
    await this.operator?.stop(5000);
    this.operator = undefined;
  }

  async stop(): Promise<void> {
    await this.stopOperator();
    await this.kubelet.stop();
    await Promise.all([this.api.close(), this.pg.stop()]);
  }

  /** Creates every object of a multi-document YAML text (namespace defaults to `default`). */
  async apply(yamlText: string): Promise<void> {
    for (const doc of yamlText.split(/^---$/m).map((d) => parse(d)).filter(Boolean)) {
      await this.create(doc as Record<string, unknown>);
    }
  }

  async create(obj: Record<string, unknown>): Promise<void> {
    const meta = obj.metadata as { namespace?: string };
    const namespace = meta.namespace ?? 'default';
    const kind = obj.kind as string;
    if (kind === 'Secret') {
      await this.kube.core.createNamespacedSecret({ namespace, body: obj });
      return;
    }
    await this.kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: pluralOf(kind), body: obj });
  }

  async get<T = Record<string, unknown>>(kind: string, name: string, namespace = 'default'): Promise<T | undefined> {
    try {
      return (await this.kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: pluralOf(kind), name })) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async patch(kind: string, name: string, body: Record<string, unknown>, namespace = 'default'): Promise<void> {
    await this.kube.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: pluralOf(kind), name, body }, mergePatchOptions());
  }

  async delete(kind: string, name: string, namespace = 'default'): Promise<void> {
    await this.kube.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: pluralOf(kind), name });
  }

  /** The decoded data of a Secret, or undefined. */
  async secret(name: string, namespace = 'default'): Promise<Record<string, string> | undefined> {
    try {
      const s = await this.kube.core.readNamespacedSecret({ name, namespace });
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async ready(kind: string, name: string, namespace = 'default'): Promise<{ status: string; reason: string; message: string } | undefined> {
    const obj = await this.get<{ status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } }>(kind, name, namespace);
    return obj?.status?.conditions?.find((c) => c.type === 'Ready');
  }

  /** Waits until the Ready condition has the status (and reason, when given). */
  async waitForReady(kind: string, name: string, status = 'True', reason?: string, timeoutMs = 30_000): Promise<{ status: string; reason: string; message: string }> {
    let last: Awaited<ReturnType<Harness['ready']>>;
    await waitFor(
      async () => {
        last = await this.ready(kind, name);
        return last?.status === status && (!reason || last.reason === reason);
      },
      timeoutMs,
      () => `${kind} ${name} Ready=${status}${reason ? `/${reason}` : ''}; last: ${JSON.stringify(last)}`,
    );
    return last as { status: string; reason: string; message: string };
  }

  async events(name: string, namespace = 'default'): Promise<Array<{ reason: string; message: string; type: string }>> {
    const list = await this.kube.core.listNamespacedEvent({ namespace });
    return list.items.filter((e) => e.involvedObject.name === name).map((e) => ({ reason: e.reason ?? '', message: e.message ?? '', type: e.type ?? '' }));
  }
}

export function pluralOf(kind: string): string {
  if (kind === 'PostgreSQLServer') return 'postgresqlservers';
  if (kind === 'PostgreSQLDatabase') return 'postgresqldatabases';
  if (kind === 'PostgreSQLTable') return 'postgresqltables';
  throw new Error(`no plural for ${kind}`);
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
