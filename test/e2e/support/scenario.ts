import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { mergePatchOptions } from '../../../src/k8s/patch.js';
import { DATABASE_PLURAL, GROUP, SERVER_PLURAL, TABLE_PLURAL, VERSION } from '../../../src/api/constants.js';
import { READY } from '../../../src/api/conditions.js';
import { createKubeClients, isNotFound, loadKubeConfig, type KubeClients } from '../../../src/k8s/clients.js';
import { workloadName } from '../../../src/backends/statefulset/manifests.js';
import { applyCrds, createTestNamespace, deleteTestNamespace, testNamespaceName, yamlDocuments } from './cluster.js';
import { freePort } from '../../support/free-port.js';
import { E2eOperator, e2eOperatorConfig, validateConfig } from './operator.js';
import { PodPortForwarder } from './port-forward.js';
import { runPsqlPod, type PsqlResult } from './psql-pod.js';
import { POSTGRES_MAJOR, readSettings, type E2eSettings, type InClusterBackend } from './settings.js';
import { eventually } from './wait.js';

const CLEANUP_WAIT_MS = 180_000;

export type Kind = 'PostgreSQLServer' | 'PostgreSQLDatabase' | 'PostgreSQLTable';
const PLURALS: Record<Kind, string> = { PostgreSQLServer: SERVER_PLURAL, PostgreSQLDatabase: DATABASE_PLURAL, PostgreSQLTable: TABLE_PLURAL };

export interface ReadyCondition {
  status: string;
  reason: string;
  message: string;
}

export interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string>; finalizers?: string[] };
  spec: Record<string, unknown>;
  status?: Record<string, unknown> & { conditions?: Array<ReadyCondition & { type: string }> };
}

export interface ScenarioOptions {
  /**
   * The PostgreSQLServer whose databases the scenario creates: in port-forward mode the operator
   * reaches exactly this server's pod through the forwarded port.
   */
  server: string;
  /** false: the scenario starts the operator itself (default: started by `setup`). */
  startOperator?: boolean;
  /**
   * Suffixes of team namespaces to create beside the scenario's own (`<namespace>-<suffix>`),
   * watched too: the shared-server scenario puts databases there.
   */
  teams?: string[];
  /**
   * The operator's default backend (statefulset unless given): the examples name none, so they
   * run on it. Both name the server's pod `<server>-postgresql-0`.
   */
  backend?: InClusterBackend;
  /** Top-level config sections on top of the scenarios' (e.g. `tls` with a cert-manager issuer). */
  config?: Record<string, unknown>;
}

/**
 * One scenario file's world: a fresh namespace on the real cluster, the CRDs, the built operator
 * watching only that namespace, and the checks an application team would make (`kubectl get`,
 * a pod logging in with the Secret). `teardown` leaves the cluster as it was.
 */
export class E2eScenario {
  readonly kube: KubeClients;
  readonly operator: E2eOperator;
  /** Team namespaces beside `namespace` (created, watched and deleted with it). */
  teamNamespaces: readonly string[] = [];

  private constructor(
    readonly kc: KubeConfig,
    readonly settings: E2eSettings,
    readonly namespace: string,
    operator: E2eOperator,
    private readonly forwarder: PodPortForwarder | undefined,
  ) {
    this.kube = createKubeClients(kc);
    this.operator = operator;
  }

  /** Scenario files call `useScenario` (support/use-scenario.ts), which runs this before their tests. */
  static async setup(opts: ScenarioOptions): Promise<E2eScenario> {
    const settings = readSettings();
    const kc = loadKubeConfig();
    await applyCrds(kc, settings.timeoutMs);
    // Everything that can fail locally comes before the namespace exists, so nothing leaks.
    const namespace = testNamespaceName();
    const teamNamespaces = (opts.teams ?? []).map((t) => `${namespace}-${t}`);
    let forwarder: PodPortForwarder | undefined;
    let endpoint = '';
    if (settings.reach.kind === 'port-forward') {
      forwarder = await PodPortForwarder.start(kc, namespace, `${workloadName(opts.server)}-0`, 5432);
      endpoint = `127.0.0.1:${forwarder.port}`;
    } else if (settings.reach.kind === 'template') {
      endpoint = settings.reach.template;
    }
    try {
      const config = e2eOperatorConfig({
        namespace,
        extraNamespaces: teamNamespaces,
        operatorEndpoint: endpoint,
        storageClass: settings.storageClass,
        postgresRepository: settings.postgresRepository,
        httpPort: await freePort(),
        ...(opts.backend ? { backend: opts.backend } : {}),
        helm: { binary: settings.helmBinary, image: settings.bitnamiImage },
        extra: opts.config,
      });
      validateConfig(config);
      const scenario = new E2eScenario(kc, settings, namespace, new E2eOperator(kc, config), forwarder);
      scenario.teamNamespaces = teamNamespaces;
      for (const ns of [namespace, ...teamNamespaces]) await createTestNamespace(scenario.kube, ns);
      if (opts.startOperator !== false) scenario.operator.start();
      return scenario;
    } catch (err) {
      await forwarder?.close();
      throw err;
    }
  }

  get postgresImage(): string {
    return `${this.settings.postgresRepository}:${POSTGRES_MAJOR}`;
  }

  // ---- objects ------------------------------------------------------------------------------

  /** Creates every document of an example file in the test namespace (its own namespace is ignored). */
  async applyExample(file: string): Promise<Array<Record<string, unknown>>> {
    const docs = yamlDocuments(readFileSync(file, 'utf8'));
    for (const doc of docs) await this.create(doc);
    return docs;
  }

  async create(obj: Record<string, unknown>, namespace = this.namespace): Promise<void> {
    const body = { ...obj, metadata: { ...(obj.metadata as Record<string, unknown>), namespace } };
    if (obj.kind === 'Secret') {
      await this.kube.core.createNamespacedSecret({ namespace, body });
      return;
    }
    await this.kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: this.plural(obj.kind), body });
  }

  async get(kind: Kind, name: string, namespace = this.namespace): Promise<CustomObject | undefined> {
    try {
      return (await this.kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURALS[kind], name })) as CustomObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(kind: Kind, namespace = this.namespace): Promise<CustomObject[]> {
    const list = (await this.kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURALS[kind] })) as { items: CustomObject[] };
    return list.items;
  }

  /** Merge-patches labels (null removes one), as `kubectl label` does. */
  async label(kind: Kind, name: string, labels: Record<string, string | null>): Promise<void> {
    await this.kube.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURALS[kind], name, body: { metadata: { labels } } }, mergePatchOptions());
  }

  async patchSpec(kind: Kind, name: string, spec: Record<string, unknown>): Promise<void> {
    await this.kube.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURALS[kind], name, body: { spec } }, mergePatchOptions());
  }

  async delete(kind: Kind, name: string, namespace = this.namespace): Promise<void> {
    try {
      await this.kube.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURALS[kind], name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async ready(kind: Kind, name: string, namespace = this.namespace): Promise<ReadyCondition | undefined> {
    return (await this.get(kind, name, namespace))?.status?.conditions?.find((c) => c.type === READY);
  }

  /** Waits for the Ready condition's status (and reason); fails early if the operator died. */
  async waitForReady(kind: Kind, name: string, status = 'True', reason?: string, namespace = this.namespace): Promise<ReadyCondition> {
    let last: ReadyCondition | undefined;
    return this.waitUntil(
      async () => {
        last = await this.ready(kind, name, namespace);
        return last?.status === status && (!reason || last.reason === reason) ? last : undefined;
      },
      () => `${kind} ${name} Ready=${status}${reason ? `/${reason}` : ''}; last: ${JSON.stringify(last)}`,
    );
  }

  async waitGone(kind: Kind, name: string): Promise<void> {
    await this.waitUntil(async () => (await this.get(kind, name)) === undefined, () => `${kind} ${name} to be gone`);
  }

  /** Waits until the operator took the `operator/action` label off the object (it does when the action is done). */
  async waitForActionDone(kind: Kind, name: string): Promise<void> {
    await this.waitUntil(async () => !(await this.get(kind, name))?.metadata.labels?.['operator/action'], () => `the operator/action label of ${kind} ${name} to be removed`);
  }

  /** Waits until `read` (of any Kubernetes object) answers 404. */
  async waitNotFound(read: () => Promise<unknown>, what: string, intervalMs?: number): Promise<void> {
    await this.waitUntil(() => isGone(read), () => `${what} to be gone`, intervalMs);
  }

  /** `eventually` bounded by E2E_TIMEOUT_SECONDS, aborted when the operator process died unasked. */
  waitUntil<T>(check: () => Promise<T | undefined | false>, what: () => string, intervalMs = 1000): Promise<T> {
    return eventually(check, {
      timeoutMs: this.settings.timeoutMs,
      intervalMs,
      what: () => `${what()}\noperator said:\n${this.operator.tail()}`,
      abort: () => this.operator.crashed,
    });
  }

  // ---- what users and apps see ---------------------------------------------------------------

  /** A Secret's decoded data, or undefined when it does not exist. */
  async secret(name: string, namespace = this.namespace): Promise<Record<string, string> | undefined> {
    const s = await this.readSecret(name, namespace);
    return s && Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  }

  async readSecret(name: string, namespace = this.namespace): Promise<Awaited<ReturnType<KubeClients['core']['readNamespacedSecret']>> | undefined> {
    try {
      return await this.kube.core.readNamespacedSecret({ name, namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async events(name: string, namespace = this.namespace): Promise<Array<{ type: string; reason: string; message: string }>> {
    const list = await this.kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
    return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '' }));
  }

  /** Waits for an event on the object (events are written after the status, so they may trail it). */
  async waitForEvent(name: string, type: string, reason: string, namespace = this.namespace): Promise<void> {
    await this.waitUntil(async () => (await this.events(name, namespace)).some((e) => e.type === type && e.reason === reason), () => `${type} event ${reason} on ${name}`, 2000);
  }

  /** Runs `script` in a PostgreSQL client pod whose environment comes from the credentials Secret. */
  psql(secretName: string, script: string, purpose = 'check', namespace = this.namespace, envFrom = false): Promise<PsqlResult> {
    return runPsqlPod(this.kube, namespace, { purpose, image: this.postgresImage, secretName, script, timeoutMs: this.settings.timeoutMs, envFrom });
  }

  /** Logs in with `envFrom` of the whole Secret and `psql` without arguments (libpq keys only). */
  loginWithEnvFrom(secretName: string, purpose = 'envfrom'): Promise<PsqlResult> {
    return this.psql(secretName, `psql -X -v ON_ERROR_STOP=1 -tA -c ${shellQuote("SELECT 'login:' || current_user || '@' || current_database()")}`, purpose, this.namespace, true);
  }

  /**
   * Logs in the way an application would: libpq's PG* variables from the Secret (running `sql`),
   * then the Secret's `uri`. Prints `login:<user>@<database>` on success.
   */
  login(secretName: string, sql = 'SELECT 1', purpose = 'login', namespace = this.namespace): Promise<PsqlResult> {
    const script = [
      `psql -X -q -v ON_ERROR_STOP=1 -tA -c ${shellQuote(sql)}`,
      `psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -tA -c ${shellQuote("SELECT 'login:' || current_user || '@' || current_database()")}`,
    ].join('\n');
    return this.psql(secretName, script, purpose, namespace);
  }

  /** A query as the server's admin (from its credentials Secret); returns the unaligned output. */
  adminQuery(serverSecret: string, sql: string): Promise<string> {
    return this.query(serverSecret, sql, 'admin');
  }

  /** A query as whoever `secretName` logs in (in that Secret's database); returns the unaligned output. */
  async query(secretName: string, sql: string, purpose = 'query'): Promise<string> {
    const result = await this.psql(secretName, `psql -X -v ON_ERROR_STOP=1 -tA -c ${shellQuote(sql)}`, purpose);
    if (result.phase !== 'Succeeded') throw new Error(`${purpose} query failed: ${result.logs}`);
    return result.logs.trim();
  }

  // ---- cleanup -------------------------------------------------------------------------------

  /**
   * Deletes the CRs while the operator still runs (so its finalizers do their work), stops it,
   * strips finalizers that are left (the operator is dead or stuck), deletes the namespace.
   * Problems are reported, not thrown: the scenario's own result matters more.
   */
  async teardown(): Promise<void> {
    const problems: string[] = [];
    try {
      if (this.settings.keepNamespace) {
        await this.operator.stop();
        problems.push(`namespace ${this.namespace} kept (E2E_KEEP_NAMESPACE=1); delete it by hand`);
        return;
      }
      if (this.operator.alive) await this.deleteCustomResources().catch((err: unknown) => problems.push(`CRs not deleted by the operator: ${(err as Error).message.split('\n')[0]}`));
      await this.operator.stop();
      await this.stripFinalizers().catch((err: unknown) => problems.push(`finalizers not stripped: ${(err as Error).message}`));
      for (const ns of [...this.teamNamespaces, this.namespace]) {
        if (!(await deleteTestNamespace(this.kube, ns, CLEANUP_WAIT_MS))) problems.push(`namespace ${ns} still terminating`);
      }
    } finally {
      await this.forwarder?.close();
      problems.push(`operator log: ${this.writeLog()}`);
      this.operator.cleanup();
      process.stdout.write(`e2e ${this.namespace}: ${problems.join('; ')}\n`);
    }
  }

  /** Tables, then databases (dropped while their server still runs), then servers; every namespace. */
  private async deleteCustomResources(): Promise<void> {
    const namespaces = [...this.teamNamespaces, this.namespace];
    const listAll = async (kind: Kind) => (await Promise.all(namespaces.map((ns) => this.list(kind, ns)))).flat();
    for (const kind of ['PostgreSQLTable', 'PostgreSQLDatabase', 'PostgreSQLServer'] as const) {
      for (const obj of await listAll(kind)) await this.delete(kind, obj.metadata.name, obj.metadata.namespace);
      await eventually(async () => (await listAll(kind)).length === 0, {
        timeoutMs: Math.min(this.settings.timeoutMs, CLEANUP_WAIT_MS),
        what: () => `the operator to release every ${kind}`,
        intervalMs: 2000,
        abort: () => this.operator.crashed,
      });
    }
  }

  private async stripFinalizers(): Promise<void> {
    for (const kind of ['PostgreSQLTable', 'PostgreSQLDatabase', 'PostgreSQLServer'] as const) {
      for (const obj of (await Promise.all([...this.teamNamespaces, this.namespace].map((ns) => this.list(kind, ns)))).flat()) {
        if (!obj.metadata.finalizers?.length) continue;
        await this.kube.custom
          .patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: obj.metadata.namespace, plural: PLURALS[kind], name: obj.metadata.name, body: { metadata: { finalizers: null } } }, mergePatchOptions())
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
      }
    }
  }

  private writeLog(): string {
    const dir = join(tmpdir(), 'hcpo-e2e');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${this.namespace}-operator.log`);
    writeFileSync(file, this.operator.fullLog());
    return file;
  }

  private plural(kind: unknown): string {
    const plural = PLURALS[kind as Kind];
    if (!plural) throw new Error(`the suite does not create ${String(kind)} objects`);
    return plural;
  }
}

/** True once `read` answers 404, false while the object is there; other errors are thrown. */
async function isGone(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

/** Single-quotes a string for sh (SQL in the scripts contains quotes of its own). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
