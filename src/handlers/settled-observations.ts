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
  /** When the read began (ms): the next one is due `maxAgeMs` after it, never sooner. */
  readAt: number;
  observation: ServerObservation;
}

export class SettledObservations {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The remembered observation and the seconds until the next cloud check, or undefined when one is due. */
  fresh(key: string, uid: string, generation: number, maxAgeMs: number): { observation: ServerObservation; dueInSeconds: number } | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.uid !== uid || entry.generation !== generation) return undefined;
    const dueInMs = entry.readAt + maxAgeMs - this.now();
    if (dueInMs <= 0) return undefined;
    return { observation: entry.observation, dueInSeconds: Math.ceil(dueInMs / 1000) };
  }

  remember(key: string, uid: string, generation: number, readAt: number, observation: ServerObservation): void {
    // The backend state belongs to the status, which is newer than any remembered copy.
    const { state: _state, ...rest } = observation;
    this.entries.set(key, { uid, generation, readAt, observation: rest });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
