import type * as k8s from '@kubernetes/client-node';
import { ADD, DELETE, ERROR, ListWatch, UPDATE, Watch } from '../k8s/kubernetes-client.js';
import type { Logger } from 'pino';

/** One list+watch source: an API path and the matching list call. */
export interface WatchSource<T extends k8s.KubernetesObject> {
  path: string;
  list: () => Promise<k8s.KubernetesListObject<T>>;
  labelSelector?: string;
}

export interface WatcherHandlers<T> {
  add?(obj: T): void;
  update?(obj: T): void;
  delete?(obj: T): void;
}

/**
 * How long the API server keeps one watch open, in seconds: under client-node's 30 s inactivity
 * abort, and spread so that the watches do not all reconnect at once.
 */
export const watchTimeoutSeconds = (): number => 20 + Math.floor(Math.random() * 9);

/**
 * client-node informers over one or more sources (one per watched namespace), with a merged cache.
 * client-node relists by itself on 410 Gone but stops on any other watch error: we restart it.
 */
export class Watcher<T extends k8s.KubernetesObject> {
  private readonly informers: Array<k8s.Informer<T> & k8s.ObjectCache<T>> = [];
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  /** Woken whenever a restarted informer's start() returns (or the watcher stops). */
  private readonly restartWaiters = new Set<() => void>();
  private stopped = false;
  private syncedCount = 0;
  private failures = 0;
  lastError?: { at: number; message: string };

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly sources: WatchSource<T>[],
    private readonly handlers: WatcherHandlers<T>,
    private readonly log: Logger,
    private readonly restartDelayMs = 2000,
    private readonly timeoutSeconds: () => number = watchTimeoutSeconds,
  ) {}

  /** Resolves once every source has listed (the cache is complete). */
  async start(): Promise<void> {
    await Promise.all(this.sources.map((s) => this.startSource(s)));
  }

  get synced(): boolean {
    return this.syncedCount === this.sources.length;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    for (const inf of this.informers) {
      const obj = inf.get(name, namespace);
      if (obj) return obj;
    }
    return undefined;
  }

  list(namespace?: string): T[] {
    return this.informers.flatMap((inf) => inf.list(namespace));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    this.wakeRestartWaiters();
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
  }

  private async startSource(source: WatchSource<T>): Promise<void> {
    let listed = false;
    const list = async () => {
      const result = await source.list();
      result.items.forEach(withoutManagedFields);
      listed = true;
      return result;
    };
    const informer = new ListWatch<T>(source.path, new ResumableWatch(this.kc, this.timeoutSeconds), list, false, source.labelSelector);
    this.informers.push(informer);
    if (this.handlers.add) informer.on(ADD, this.handlers.add);
    if (this.handlers.update) informer.on(UPDATE, this.handlers.update);
    if (this.handlers.delete) informer.on(DELETE, this.handlers.delete);
    informer.on(ERROR, (err?: unknown) => this.restart(informer, source, err));
    // start() resolves once the initial list is in the cache (client-node's `connect` event comes
    // before the list, so it does not mean synced).
    await informer.start();
    // client-node's start() also returns when the list failed (it reports the error and leaves the
    // cache empty; `restart` lists again). The cache counts as synced only after a list succeeded:
    // an empty cache taken for a complete one would make every stored password look missing.
    while (!listed && !this.stopped) await new Promise<void>((resolve) => this.restartWaiters.add(resolve));
    if (!this.stopped) this.syncedCount++;
  }

  private wakeRestartWaiters(): void {
    const waiters = [...this.restartWaiters];
    this.restartWaiters.clear();
    for (const wake of waiters) wake();
  }

  private restart(informer: k8s.Informer<T>, source: WatchSource<T>, err: unknown): void {
    if (this.stopped) return;
    const message = err instanceof Error ? err.message : String(err);
    // `at` is when the watches started failing (liveness gives up after a while), not the latest try.
    this.lastError = { at: this.lastError?.at ?? Date.now(), message };
    this.failures++;
    this.log.warn({ path: source.path, err: message }, 'watch failed; restarting');
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.stopped) return;
      const failuresBefore = this.failures;
      informer
        .start()
        .then(
          () => {
            // start() returns after a failed list too (having reported it): only a start without
            // a new failure ends the streak.
            if (this.failures === failuresBefore) this.lastError = undefined;
          },
          (e: unknown) => this.restart(informer, source, e),
        )
        .finally(() => this.wakeRestartWaiters());
    }, this.restartDelayMs);
    timer.unref();
    this.restartTimers.add(timer);
  }
}

/**
 * `metadata.managedFields` (the API server's field-ownership bookkeeping) is often a third of an
 * object's size and the operator never reads it, so cached objects go without it, as
 * controller-runtime's TransformStripManagedFields does. Writes are patches, creates or updates
 * that leave the field out, which keeps the server's copy.
 */
function withoutManagedFields<T extends k8s.KubernetesObject>(obj: T): T {
  if (obj?.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}

/**
 * client-node's Watch, asking for what client-go's reflector asks for:
 * - Bookmarks, and a server-side timeout: a real API server sends a bookmark two seconds before it
 *   ends a watch, so even a kind that never changes moves its resume point forward. Without one, a
 *   quiet kind resumes from the resourceVersion of its last change, which the watch cache of a busy
 *   cluster has long dropped (it keeps a window of events per resource, all namespaces together):
 *   410 Gone and a full relist on every reconnect. The timeout is under client-node's 30 s
 *   inactivity abort, so a quiet watch ends cleanly, with its bookmark, instead of being cut off.
 * - Objects without `metadata.managedFields` (see withoutManagedFields).
 */
class ResumableWatch extends Watch {
  constructor(
    kc: k8s.KubeConfig,
    private readonly timeoutSeconds: () => number,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: k8s.KubernetesObject, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const params = { allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds(), ...queryParams };
    return super.watch(path, params, (phase, obj: k8s.KubernetesObject, watchObj) => callback(phase, withoutManagedFields(obj), watchObj), done);
  }
}
