import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { serverUsable } from './handlers/server-usable.js';
import { DATABASE_KIND, DATABASE_PLURAL, LABEL_MANAGED_BY, MANAGED_BY, SERVER_KIND, SERVER_PLURAL, TABLE_KIND, TABLE_PLURAL } from './api/constants.js';
import type { PostgreSQLDatabase, PostgreSQLServer, PostgreSQLTable } from './api/types.js';
import { BackendRegistry } from './backends/registry.js';
import type { BackendFactory } from './backends/types.js';
import type { OperatorConfig } from './config/types.js';
import { reconcileDatabase } from './handlers/database-handler.js';
import { DriftCheck, type DriftCheckResult } from './handlers/drift-check.js';
import { CaRotation } from './handlers/ca-rotation.js';
import { operatorCa } from './backends/common/tls/operator-ca.js';
import type { HandlerDeps } from './handlers/deps.js';
import { SecretStore } from './handlers/secret-store.js';
import { SettledObservations } from './handlers/settled-observations.js';
import { reconcileServer } from './handlers/server-handler.js';
import { reconcileTable } from './handlers/table-handler.js';
import { recountDatabases } from './handlers/server-counts.js';
import { isOnServer, serverRefOf } from './handlers/sharing.js';
import { createKubeClients, type KubeClients } from './k8s/clients.js';
import { CustomResourceClient } from './k8s/custom-resources.js';
import { EventRecorder } from './k8s/events.js';
import { listInPages } from './k8s/list-pages.js';
import { PoolRegistry } from './postgres/index.js';
import { Controller, type ControllerHooks, type ReconcileResult } from './reconcile/controller.js';
import { Watcher, type WatchSource } from './reconcile/watcher.js';
import { readyOf } from './reconcile/conditions.js';
import type { WorkQueue } from './reconcile/work-queue.js';
import type { QueueStats } from './observability/metrics.js';

/** Where the operator reports reconciles and backend calls (the metrics module implements it). */
export interface OperatorHooks extends ControllerHooks {
  backendCall?(backend: string, operation: string, result: 'success' | 'error', seconds: number): void;
  /** One request a backend's SDK sent to a cloud API (each attempt, polls included). */
  cloudCall?(backend: string, operation: string, result: 'success' | 'error'): void;
  queueStats?(kind: string, stats: QueueStats): void;
  readyObjects?(kind: string, counts: { ready: number; notReady: number }): void;
  driftChecked?(result: DriftCheckResult, seconds: number): void;
  rotation?(result: 'success' | 'error'): void;
  /** A server's backup job failed (reported once per job). */
  backupFailed?(namespace: string, server: string): void;
}

export interface OperatorOptions {
  config: OperatorConfig;
  kc: k8s.KubeConfig;
  log: Logger;
  hooks?: OperatorHooks;
  /** Replace backend factories (tests wire cloud emulators this way). */
  backendOverrides?: Partial<Record<string, BackendFactory>>;
  /** Test seam: called after each step of a password rotation (tests stop the operator there). */
  failpoint?: (step: string) => Promise<void> | void;
}

/**
 * Watches, caches, queues and handlers wired together. Watching starts at once (warm caches on
 * every replica); reconciling starts only on `startReconciling` (when this replica leads).
 */
export class Operator {
  readonly kube: KubeClients;
  readonly backends: BackendRegistry;
  readonly pools = new PoolRegistry();
  private readonly servers: Controller<PostgreSQLServer & k8s.KubernetesObject>;
  private readonly databases: Controller<PostgreSQLDatabase & k8s.KubernetesObject>;
  private readonly tables: Controller<PostgreSQLTable & k8s.KubernetesObject>;
  private readonly watchers: Array<Watcher<k8s.KubernetesObject>> = [];
  private readonly events: EventRecorder;
  /** Finds databases and roles dropped by hand between resyncs. */
  readonly driftCheck: DriftCheck;
  /** Rotates the in-cluster servers' CA when asked or when it nears expiry (ADR 0024). */
  readonly caRotation: CaRotation;
  private reconciling = false;

  constructor(private readonly opts: OperatorOptions) {
    const { config, log } = opts;
    this.kube = createKubeClients(opts.kc);
    const recordCloudCall = opts.hooks?.cloudCall ? opts.hooks.cloudCall.bind(opts.hooks) : undefined;
    this.backends = new BackendRegistry({ config, kube: this.kube, log: log.child({ component: 'backend' }), recordCloudCall }, opts.backendOverrides);
    const controllerOpts = (kind: string) => ({
      kind,
      concurrency: config.reconcile.concurrency,
      backoffBaseSeconds: config.reconcile.backoff_base_seconds,
      backoffMaxSeconds: config.reconcile.backoff_max_seconds,
      resyncSeconds: config.reconcile.resync_seconds,
      handlerOnResume: config.handler_on_resume,
      log,
      hooks: opts.hooks,
    });
    const serverClient = new CustomResourceClient<PostgreSQLServer>(this.kube, SERVER_PLURAL);
    const databaseClient = new CustomResourceClient<PostgreSQLDatabase>(this.kube, DATABASE_PLURAL);
    const tableClient = new CustomResourceClient<PostgreSQLTable>(this.kube, TABLE_PLURAL);
    const secretWatcher = new Watcher<k8s.V1Secret>(this.kc, this.secretSources(), { delete: (s) => this.onOwnedObjectChanged(s) }, log);
    // The StatefulSets of the in-cluster backend: a pod turning ready reconciles its server at once
    // instead of at the next poll.
    const workloadWatcher = new Watcher<k8s.V1StatefulSet>(this.kc, this.statefulSetSources(), { update: (o) => this.onOwnedObjectChanged(o) }, log);
    this.events = new EventRecorder(this.kube, log);
    const deps: HandlerDeps = {
      config,
      log,
      backends: this.backends,
      secrets: new SecretStore(this.kube, secretWatcher),
      events: this.events,
      pools: this.pools,
      servers: serverClient,
      databases: databaseClient,
      tables: tableClient,
      serverCache: { get: (ns, name) => this.serverWatcher.get(ns, name) },
      settled: new SettledObservations(),
      databaseCache: { get: (ns, name) => this.databaseWatcher.get(ns, name), list: () => this.databaseWatcher.list() },
      namespaceLabels: (ns) => this.namespaceLabels(ns),
      tableCache: { get: (ns, name) => this.tableWatcher.get(ns, name) },
      backendCall: (backend, operation, call) => this.timedBackendCall(backend, operation, call),
      onServerReady: (ns, name) => this.enqueueDatabasesOf(ns, name),
      onDatabaseReady: (ns, name) => this.enqueueTablesOf(ns, name),
      onDatabaseChanged: (ns, name) => this.recountSoon(ns, name),
      onRotation: (result) => opts.hooks?.rotation?.(result),
      failpoint: opts.failpoint,
      onBackupFailed: (ns, name) => this.opts.hooks?.backupFailed?.(ns, name),
    };
    this.deps = deps;
    this.servers = new Controller(controllerOpts(SERVER_KIND), (ns, name, l) => reconcileServer(deps, ns, name, l));
    this.databases = new Controller(controllerOpts(DATABASE_KIND), (ns, name, l) => reconcileDatabase(deps, ns, name, l));
    this.tables = new Controller(controllerOpts(TABLE_KIND), (ns, name, l) => reconcileTable(deps, ns, name, l));
    const serverHandlers = this.servers.handlers();
    this.serverWatcher = new Watcher(
      this.kc,
      this.crSources(serverClient),
      {
        ...serverHandlers,
        update: (server) => {
          serverHandlers.update(server);
          // Seen in the cache, so the databases' reconciles read the server as Ready too (the
          // handler's own call comes right after its status write, which the cache may not show yet).
          if (serverUsable(server)) this.enqueueWaitingDatabasesOf(server.metadata.namespace, server.metadata.name);
        },
      },
      log,
    );
    // A database that goes takes its tables with it: they report so at once, not at their resync.
    const databaseHandlers = this.databases.handlers();
    const databaseGone = (db: PostgreSQLDatabase & k8s.KubernetesObject) => {
      databaseHandlers.delete(db);
      this.enqueueTablesOf(db.metadata.namespace, db.metadata.name);
    };
    this.databaseWatcher = new Watcher(this.kc, this.crSources(databaseClient), { ...databaseHandlers, delete: databaseGone }, log);
    this.tableWatcher = new Watcher(this.kc, this.crSources(tableClient), this.tables.handlers(), log);
    this.servers.attach(this.serverWatcher);
    this.databases.attach(this.databaseWatcher);
    this.tables.attach(this.tableWatcher);
    this.watchers.push(secretWatcher as Watcher<k8s.KubernetesObject>, workloadWatcher as Watcher<k8s.KubernetesObject>, this.serverWatcher, this.databaseWatcher, this.tableWatcher);
    this.driftCheck = new DriftCheck(deps, {
      intervalSeconds: config.reconcile.drift_check_seconds,
      databases: () => this.databaseWatcher.list(),
      server: (ns, name) => this.serverWatcher.get(ns, name),
      enqueue: (ns, name) => this.databases.enqueue(ns, name),
      checked: (result, seconds) => opts.hooks?.driftChecked?.(result, seconds),
      log: log.child({ component: 'drift-check' }),
    });
    this.caRotation = new CaRotation({
      kube: this.kube,
      // From the watch cache: a GET per server at every look would cost one call per server a minute for the weeks a rotation lasts.
      servers: { get: (ns, name) => Promise.resolve(this.serverWatcher.get(ns, name)) },
      namespaces: config.watch_namespaces,
      ca: operatorCa({ kube: this.kube, config }),
      settings: config.tls,
      events: this.events,
      log: log.child({ component: 'ca-rotation' }),
      onStageChanged: () => this.enqueueEverything(),
      reconcile: (owners) => {
        for (const o of owners) (o.kind === SERVER_KIND ? this.servers : this.databases).enqueue(o.namespace, o.name);
      },
    });
  }

  /** Started the first time a grant by label is checked (see namespaceLabels). */
  private namespaceWatcher?: Watcher<k8s.V1Namespace>;
  private readonly deps: HandlerDeps;
  private readonly recounts = new Map<string, Recount>();

  private readonly serverWatcher: Watcher<PostgreSQLServer & k8s.KubernetesObject>;
  private readonly databaseWatcher: Watcher<PostgreSQLDatabase & k8s.KubernetesObject>;
  private readonly tableWatcher: Watcher<PostgreSQLTable & k8s.KubernetesObject>;

  private get kc(): k8s.KubeConfig {
    return this.opts.kc;
  }

  /** Lists and watches everything; resolves once every cache is complete. */
  async startWatching(): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.start()));
    this.servers.markStarted();
    this.databases.markStarted();
    this.tables.markStarted();
  }

  startReconciling(): void {
    this.reconciling = true;
    this.servers.queue.start();
    this.databases.queue.start();
    this.tables.queue.start();
    this.driftCheck.start();
    this.caRotation.start();
  }

  /** Stops taking keys at once (lost leadership); keys in flight finish. */
  pauseReconciling(): void {
    this.reconciling = false;
    this.driftCheck.stop();
    this.caRotation.stop();
    this.servers.queue.pause();
    this.databases.queue.pause();
    this.tables.queue.pause();
  }

  get isReconciling(): boolean {
    return this.reconciling;
  }

  /** Informer caches complete (readiness). */
  get synced(): boolean {
    return this.watchers.every((w) => w.synced);
  }

  /** No watch has been failing for long (liveness). */
  watchesHealthy(maxFailingMs = 120_000): boolean {
    const now = Date.now();
    return this.watchers.every((w) => !w.lastError || now - w.lastError.at < maxFailingMs);
  }

  /** Each kind's work queue: waiting, running, and for how long the oldest running one has been. */
  queueStats(now = Date.now()): Record<string, QueueStats> {
    const stats = ({ queue }: { queue: WorkQueue }): QueueStats => ({ depth: queue.depth, inFlight: queue.inFlight, longestRunningSeconds: queue.longestRunningMs(now) / 1000 });
    return { [SERVER_KIND]: stats(this.servers), [DATABASE_KIND]: stats(this.databases), [TABLE_KIND]: stats(this.tables) };
  }

  /** Ready/not-ready counts per kind, from the caches (for the objects-by-state metric). */
  readyCounts(): Record<string, { ready: number; notReady: number }> {
    const count = (objs: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>) => {
      const ready = objs.filter((o) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      return { ready, notReady: objs.length - ready };
    };
    return { [SERVER_KIND]: count(this.serverWatcher.list()), [DATABASE_KIND]: count(this.databaseWatcher.list()), [TABLE_KIND]: count(this.tableWatcher.list()) };
  }

  /** Waits until no key is queued or in flight (tests and benchmarks). */
  async whenIdle(): Promise<void> {
    await Promise.all([this.servers.queue.whenIdle(), this.databases.queue.whenIdle(), this.tables.queue.whenIdle()]);
    // Database counts still to be written are part of the work (they follow a database's change).
    while (this.recounts.size) {
      await Promise.all([...this.recounts.values()].map((r) => r.done));
      await Promise.all([this.servers.queue.whenIdle(), this.databases.queue.whenIdle(), this.tables.queue.whenIdle()]);
    }
  }

  /** Graceful stop: no new keys, keys in flight finish within the bound, watches and pools close. */
  async stop(timeoutMs = 20_000): Promise<boolean> {
    this.reconciling = false;
    this.driftCheck.stop();
    this.caRotation.stop();
    for (const r of this.recounts.values()) {
      clearTimeout(r.timer);
      r.finish();
    }
    this.recounts.clear();
    const finished = await Promise.all([this.servers.queue.shutdown(timeoutMs), this.databases.queue.shutdown(timeoutMs), this.tables.queue.shutdown(timeoutMs)]);
    await Promise.all([...this.watchers.map((w) => w.stop()), this.namespaceWatcher?.stop(), this.events.flush()]);
    await this.pools.closeAll();
    await this.backends.closeAll();
    return finished.every(Boolean);
  }

  /** Every server and database (a CA rotation stage changed the bundle or the signing CA). */
  private enqueueEverything(): void {
    for (const s of this.serverWatcher.list()) this.servers.enqueue(s.metadata.namespace, s.metadata.name);
    for (const db of this.databaseWatcher.list()) this.databases.enqueue(db.metadata.namespace, db.metadata.name);
  }

  /** Every database on the server, from any namespace. */
  private enqueueDatabasesOf(namespace: string, server: string): void {
    for (const db of this.databaseWatcher.list()) {
      if (isOnServer(db, { namespace, name: server })) this.databases.enqueue(db.metadata.namespace, db.metadata.name);
    }
  }

  private enqueueTablesOf(namespace: string, database: string): void {
    for (const table of this.tableWatcher.list(namespace)) {
      if (table.spec.databaseRef?.name === database) this.tables.enqueue(namespace, table.metadata.name);
    }
  }

  /** The databases on the server that are not Ready (waiting for it, or refused before a change). */
  private enqueueWaitingDatabasesOf(namespace: string, server: string): void {
    for (const db of this.databaseWatcher.list()) {
      if (isOnServer(db, { namespace, name: server }) && readyOf(db.status?.conditions)?.status !== 'True') this.databases.enqueue(db.metadata.namespace, db.metadata.name);
    }
  }

  /** The databases of a namespace that live on another namespace's server (their grant may have changed). */
  private enqueueForeignDatabasesIn(namespace: string | undefined): void {
    if (!namespace || !this.reconciling) return;
    for (const db of this.databaseWatcher.list(namespace)) {
      if (serverRefOf(db).namespace !== namespace) this.databases.enqueue(namespace, db.metadata.name);
    }
  }

  /**
   * A server's database counts, written a moment after a database changed (the cache has caught up
   * by then, and a burst of changes makes one write).
   */
  private recountSoon(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const pending = this.recounts.get(key);
    if (pending) {
      // A count already being written may have read the cache before this change: count again.
      pending.again = pending.started;
      return;
    }
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const entry: Recount = { timer: undefined as unknown as NodeJS.Timeout, done, finish, started: false, again: false };
    entry.timer = setTimeout(() => {
      entry.started = true;
      const write = this.reconciling ? recountDatabases(this.deps, namespace, name) : Promise.resolve();
      write
        .catch((err: unknown) => this.opts.log.warn({ err, server: key }, 'could not write the database counts'))
        .finally(() => {
          this.recounts.delete(key);
          if (entry.again) this.recountSoon(namespace, name);
          finish();
        });
    }, RECOUNT_DELAY_MS);
    entry.timer.unref();
    this.recounts.set(key, entry);
  }

  /**
   * A namespace's labels, for grants by spec.sharing.namespaceSelector; undefined until known.
   * Namespaces are watched only once a server grants by label (an operator without such servers
   * never reads them), so that a label change is seen at once, without a restart. Namespaces are
   * cluster-scoped; their names and labels are all that is read.
   */
  private namespaceLabels(namespace: string): Record<string, string> | undefined {
    if (!this.namespaceWatcher) {
      const onNamespace = (ns: k8s.V1Namespace) => this.enqueueForeignDatabasesIn(ns.metadata?.name);
      const watcher = new Watcher<k8s.V1Namespace>(this.kc, [this.namespaceSource()], { add: onNamespace, update: onNamespace }, this.opts.log);
      this.namespaceWatcher = watcher;
      // Not among `watchers`: without the permission to read namespaces only the grants by label
      // wait (their databases say so), instead of the whole operator failing its health checks.
      void watcher.start();
    }
    if (!this.namespaceWatcher.synced) return undefined;
    return this.namespaceWatcher.get(undefined, namespace)?.metadata?.labels ?? {};
  }

  private namespaceSource(): WatchSource<k8s.V1Namespace> {
    return {
      path: '/api/v1/namespaces',
      list: () => listInPages((limit, _continue) => this.kube.core.listNamespace({ limit, _continue })),
    };
  }

  /**
   * Something the operator owns changed or went (a Secret deleted by hand, a StatefulSet's pod
   * turning ready): its CR is reconciled now rather than at the next poll or resync.
   */
  private onOwnedObjectChanged(obj: k8s.KubernetesObject): void {
    const ns = obj.metadata?.namespace;
    if (!ns) return;
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      if (ref.kind === SERVER_KIND) this.servers.enqueue(ns, ref.name);
      if (ref.kind === DATABASE_KIND) this.databases.enqueue(ns, ref.name);
    }
  }

  private async timedBackendCall<T>(backend: string, operation: string, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    let result: 'success' | 'error' = 'success';
    try {
      return await call();
    } catch (err) {
      result = 'error';
      throw err;
    } finally {
      this.opts.hooks?.backendCall?.(backend, operation, result, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private namespaces(): Array<string | undefined> {
    const list = this.opts.config.watch_namespaces;
    return list.length ? list : [undefined];
  }

  private crSources<T extends { metadata: { name: string; namespace: string } }>(client: CustomResourceClient<T>): WatchSource<T & k8s.KubernetesObject>[] {
    return this.namespaces().map((ns) => ({
      path: client.path(ns),
      list: () => client.list(ns) as Promise<k8s.KubernetesListObject<T & k8s.KubernetesObject>>,
    }));
  }

  /** Only objects carrying our managed-by label are watched and cached (memory, API load). */
  private secretSources(): WatchSource<k8s.V1Secret>[] {
    const labelSelector = MANAGED_SELECTOR;
    return this.namespaces().map((ns) => ({
      path: ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets',
      labelSelector,
      list: () => listInPages((limit, _continue) => (ns ? this.kube.core.listNamespacedSecret({ namespace: ns, labelSelector, limit, _continue }) : this.kube.core.listSecretForAllNamespaces({ labelSelector, limit, _continue }))),
    }));
  }

  private statefulSetSources(): WatchSource<k8s.V1StatefulSet>[] {
    const labelSelector = MANAGED_SELECTOR;
    return this.namespaces().map((ns) => ({
      path: ns ? `/apis/apps/v1/namespaces/${ns}/statefulsets` : '/apis/apps/v1/statefulsets',
      labelSelector,
      list: () => listInPages((limit, _continue) => (ns ? this.kube.apps.listNamespacedStatefulSet({ namespace: ns, labelSelector, limit, _continue }) : this.kube.apps.listStatefulSetForAllNamespaces({ labelSelector, limit, _continue }))),
    }));
  }
}

const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
const RECOUNT_DELAY_MS = 1000;

/** A server's database count to be written: `again` when a change came while it was being written. */
interface Recount {
  timer: NodeJS.Timeout;
  done: Promise<void>;
  finish: () => void;
  started: boolean;
  again: boolean;
}

export type { ReconcileResult };
