import * as k8s from '@kubernetes/client-node';
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
 * client-node informers over one or more sources (one per watched namespace), with a merged cache.
 * client-node relists by itself on 410 Gone but stops on any other watch error: we restart it.
 */
export class Watcher<T extends k8s.KubernetesObject> {
  private readonly informers: Array<k8s.Informer<T> & k8s.ObjectCache<T>> = [];
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private syncedCount = 0;
  lastError?: { at: number; message: string };

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly sources: WatchSource<T>[],
    private readonly handlers: WatcherHandlers<T>,
    private readonly log: Logger,
    private readonly restartDelayMs = 2000,
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
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
  }

  private async startSource(source: WatchSource<T>): Promise<void> {
    const informer = k8s.makeInformer<T>(this.kc, source.path, source.list, source.labelSelector);
    this.informers.push(informer);
    if (this.handlers.add) informer.on(k8s.ADD, this.handlers.add);
    if (this.handlers.update) informer.on(k8s.UPDATE, this.handlers.update);
    if (this.handlers.delete) informer.on(k8s.DELETE, this.handlers.delete);
    informer.on(k8s.ERROR, (err?: unknown) => this.restart(informer, source, err));
    // start() resolves once the initial list is in the cache (client-node's `connect` event comes
    // before the list, so it does not mean synced).
    await informer.start();
    this.syncedCount++;
  }

  private restart(informer: k8s.Informer<T>, source: WatchSource<T>, err: unknown): void {
    if (this.stopped) return;
    const message = err instanceof Error ? err.message : String(err);
    this.lastError = { at: Date.now(), message };
    this.log.warn({ path: source.path, err: message }, 'watch failed; restarting');
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.stopped) return;
      informer.start().then(
        () => {
          this.lastError = undefined;
        },
        (e: unknown) => this.restart(informer, source, e),
      );
    }, this.restartDelayMs);
    timer.unref();
    this.restartTimers.add(timer);
  }
}
