import type { KubeObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, as etcd would report it: the new state and (for MODIFIED/DELETED) the previous one. */
export interface StoredEvent {
  rv: number;
  type: EventType;
  /** typeKey of the resource. */
  key: string;
  object: KubeObject;
  prev?: KubeObject;
}

export type Listener = (ev: StoredEvent) => void;

/**
 * The change log behind every watch: a bounded in-memory history (like the watch cache / etcd
 * before compaction) plus live listeners. Everything runs on one thread, so "replay the history,
 * then listen" leaves no gap.
 */
export class WatchHub {
  private history: StoredEvent[] = [];
  /** The oldest resourceVersion a watch may start from (older ones get 410 Expired). */
  private floor = 0;
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();

  constructor(private readonly historyLimit: number) {}

  publish(ev: StoredEvent): void {
    this.history.push(ev);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.floor = dropped.rv;
    }
    for (const l of [...this.listeners]) l(ev);
  }

  /** Events after `rv`, or 'expired' when some of them were dropped from the history. */
  eventsAfter(rv: number): StoredEvent[] | 'expired' {
    if (rv < this.floor) return 'expired';
    return this.history.filter((e) => e.rv > rv);
  }

  oldestServable(): number {
    return this.floor;
  }

  /** Forget the history: watches from any resourceVersion before `currentRv` now get 410. */
  compact(currentRv: number): void {
    this.history = [];
    this.floor = currentRv;
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Open watch streams register how to end them, for close() and compact(). */
  trackStream(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  endStreams(): void {
    for (const c of [...this.closers]) c();
  }
}
