import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { PermanentError, TemporaryError } from '../backends/errors.js';
import { WorkQueue } from './work-queue.js';
import { logContext } from '../observability/logger.js';
import type { Watcher } from './watcher.js';
import { changeSignature, dueInMs, isSettled } from './object-state.js';

/** What a reconcile returns: when to look again (default: the resync period). */
export interface ReconcileOutcome {
  requeueAfterSeconds?: number;
}

export type ReconcileFn = (namespace: string, name: string, log: Logger) => Promise<ReconcileOutcome>;

/** How a reconcile ended: converged, waiting for something, failed and retried, failed until the spec changes. */
export type ReconcileResult = 'success' | 'pending' | 'error' | 'terminal';

export interface ControllerHooks {
  reconciled?(kind: string, result: ReconcileResult, seconds: number): void;
}

export interface ControllerOptions {
  kind: string;
  concurrency: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  resyncSeconds: number;
  /** Reconcile every object at start even when nothing changed (the reference's `handler_on_resume`). */
  handlerOnResume: boolean;
  log: Logger;
  hooks?: ControllerHooks;
}

export const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/**
 * Drives one kind: watch events become keys in a queue; each key is reconciled level-based from the
 * current state. Status-only changes (our own writes) do not trigger reconciles.
 */
export class Controller<T extends k8s.KubernetesObject> {
  readonly queue: WorkQueue;
  private readonly seen = new Map<string, string>();
  private watcher?: Watcher<T>;
  private starting = true;

  constructor(
    private readonly opts: ControllerOptions,
    private readonly reconcile: ReconcileFn,
  ) {
    this.queue = new WorkQueue((key) => this.process(key), {
      concurrency: opts.concurrency,
      backoffBaseMs: opts.backoffBaseSeconds * 1000,
      backoffMaxMs: opts.backoffMaxSeconds * 1000,
    });
  }

  /** Event handlers to pass to the kind's Watcher. */
  handlers() {
    return {
      add: (obj: T) => this.onUpsert(obj),
      update: (obj: T) => this.onUpsert(obj),
      delete: (obj: T) => this.onDelete(obj),
    };
  }

  attach(watcher: Watcher<T>): void {
    this.watcher = watcher;
  }

  /** Called once the watcher's initial list is in: later events are real changes. */
  markStarted(): void {
    this.starting = false;
  }

  enqueue(namespace: string, name: string): void {
    this.queue.add(keyOf(namespace, name));
  }

  private onUpsert(obj: T): void {
    const meta = obj.metadata;
    if (!meta?.name || !meta.namespace) return;
    const key = keyOf(meta.namespace, meta.name);
    const signature = changeSignature(obj);
    const before = this.seen.get(key);
    this.seen.set(key, signature);
    if (before === signature) return;
    if (before === undefined && this.starting && !this.opts.handlerOnResume && isSettled(obj)) {
      // Unchanged since our last successful reconcile: no work at start, only at its next resync,
      // spread over the period so a restart with many objects does not burst the backends.
      const spread = Math.round(Math.random() * this.opts.resyncSeconds * 1000);
      this.queue.addAfter(key, Math.min(spread, dueInMs(obj as Parameters<typeof dueInMs>[0]) ?? spread));
      return;
    }
    this.queue.add(key);
  }

  private onDelete(obj: T): void {
    const meta = obj.metadata;
    if (!meta?.name || !meta.namespace) return;
    const key = keyOf(meta.namespace, meta.name);
    this.seen.delete(key);
    this.queue.remove(key);
  }

  private async process(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const log = this.opts.log;
    const started = process.hrtime.bigint();
    let result: ReconcileResult = 'success';
    try {
      const outcome = await logContext.run({ kind: this.opts.kind, namespace, name }, () => this.reconcile(namespace, name, log));
      this.queue.forget(key);
      if (outcome.requeueAfterSeconds !== undefined) {
        result = 'pending';
        this.queue.addAfter(key, outcome.requeueAfterSeconds * 1000);
      } else if (this.watcher?.get(namespace, name)) {
        this.queue.addAfter(key, this.resyncDelayMs());
      }
    } catch (err) {
      result = logContext.run({ kind: this.opts.kind, namespace, name }, () => this.onFailure(key, err, log));
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.opts.hooks?.reconciled?.(this.opts.kind, result, seconds);
    }
  }

  private onFailure(key: string, err: unknown, log: Logger): ReconcileResult {
    if (err instanceof PermanentError) {
      // The spec must change (an event brings it back); the resync still looks in case the
      // environment changed (a referenced server appeared, a Secret was released).
      log.info({ reason: err.reason }, err.message);
      this.queue.forget(key);
      this.queue.addAfter(key, this.resyncDelayMs());
      return 'terminal';
    }
    const minMs = err instanceof TemporaryError && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : 0;
    const delay = this.queue.addRateLimited(key, minMs);
    log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: delay }, 'reconcile failed');
    return 'error';
  }

  private resyncDelayMs(): number {
    // ±10 % so objects created together do not resync together forever.
    return Math.round(this.opts.resyncSeconds * 1000 * (0.9 + Math.random() * 0.2));
  }
}
