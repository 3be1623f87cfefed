/**
 * The last observation of each settled server on a cloud backend, kept so the Kubernetes resyncs
 * between two cloud checks cost no cloud API calls (ADR 0014). Only in memory: after a restart the
 * first reconcile of every server reads the cloud once, which the cloud budget allows for.
 *
 * An entry is only ever handed back for the same object (uid) at the same generation, and only
 * while it is younger than the check interval; the handler decides when an observation counts as
 * settled and when a fresh read is due anyway (labels, a pending password, a server not Ready).
 */
import type { ServerObservation } from '../backends/types.js';

interface Entry {
  uid: string;
  generation: number;
  /** When the next read is due (ms): never sooner than the check interval after the last one began. */
  dueAt: number;
  observation: ServerObservation;
}

export class SettledObservations {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The remembered observation and the seconds until the next cloud check, or undefined when one is due. */
  fresh(key: string, uid: string, generation: number): { observation: ServerObservation; dueInSeconds: number } | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.uid !== uid || entry.generation !== generation) return undefined;
    const dueInMs = entry.dueAt - this.now();
    if (dueInMs <= 0) return undefined;
    return { observation: entry.observation, dueInSeconds: Math.ceil(dueInMs / 1000) };
  }

  /**
   * Keeps a reading that began at `readAt` for `validMs` — the check interval, or less when the
   * backend asked to look again sooner (`retryAfterSeconds`, e.g. a maintenance window opening).
   */
  remember(key: string, entry: { uid: string; generation: number; readAt: number; validMs: number }, observation: ServerObservation): void {
    // The backend state belongs to the status, which is newer than any remembered copy; the
    // look-again time is kept as the entry's due time instead.
    const { state: _state, retryAfterSeconds: _retry, ...rest } = observation;
    this.entries.set(key, { uid: entry.uid, generation: entry.generation, dueAt: entry.readAt + entry.validMs, observation: rest });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
