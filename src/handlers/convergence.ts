/**
 * Bounded convergence: how many update calls a server gets while the same setting keeps differing.
 * A cloud that never takes a value (an RDS-compatible API that ignores a parameter, a value it
 * clamps) would otherwise get the same change on every reconcile, forever. Pure functions over
 * `status.convergence`; the server handler reads and writes it.
 *
 * Attempts are counted per difference (the backend's text, which names the setting and its seen
 * and wanted values), and only for the differences an update call addressed: a backend that works
 * through its changes one kind at a time (Azure: server, then firewall, then parameters) does not
 * use up the attempts of the ones still waiting their turn. A difference whose text changes (the
 * cloud moved, just not all the way) starts counting again.
 */
import type { Convergence } from '../api/types.js';

export interface ConvergencePolicy {
  /** Update calls per difference and generation (config `reconcile.update_attempts`). */
  maxAttempts: number;
  /** Wait before the second attempt, doubled for each further one (`reconcile.update_backoff_seconds`). */
  backoffSeconds: number;
}

export type ConvergenceStep =
  | { kind: 'send' }
  /** Back off before the next attempt. */
  | { kind: 'wait'; seconds: number; nextAttempt: number }
  /** Stop sending: these differences had every attempt and are still there. */
  | { kind: 'stop'; stuck: string[] };

/** The attempts that still count: this generation's, for the differences that are still there. */
export function attemptsFor(previous: Convergence | undefined, generation: number, differences: readonly string[]): Convergence {
  if (!previous || previous.generation !== generation) return { generation, attempts: {} };
  const attempts = Object.fromEntries(differences.filter((d) => (previous.attempts[d] ?? 0) > 0).map((d) => [d, previous.attempts[d] as number]));
  return { generation, attempts, ...(previous.lastAttemptAt ? { lastAttemptAt: previous.lastAttemptAt } : {}) };
}

/** Whether to update now, wait out the backoff, or stop because a difference had all its attempts. */
export function nextStep(current: Convergence, differences: readonly string[], policy: ConvergencePolicy, now: Date): ConvergenceStep {
  const stuck = differences.filter((d) => (current.attempts[d] ?? 0) >= policy.maxAttempts);
  if (stuck.length > 0) return { kind: 'stop', stuck };
  const most = Math.max(0, ...differences.map((d) => current.attempts[d] ?? 0));
  if (most === 0 || !current.lastAttemptAt) return { kind: 'send' };
  const dueAt = Date.parse(current.lastAttemptAt) + policy.backoffSeconds * 1000 * 2 ** (most - 1);
  const waitMs = dueAt - now.getTime();
  return waitMs > 0 ? { kind: 'wait', seconds: Math.ceil(waitMs / 1000), nextAttempt: most + 1 } : { kind: 'send' };
}

/** The record after an update call that addressed `addressed` (every difference when the backend does not say). */
export function afterAttempt(current: Convergence, addressed: readonly string[], now: Date): Convergence {
  const attempts = { ...current.attempts };
  for (const d of new Set(addressed)) attempts[d] = (attempts[d] ?? 0) + 1;
  return { generation: current.generation, attempts, lastAttemptAt: now.toISOString() };
}

/** The Ready message of a server that stopped converging: each setting, as the cloud reports it and as wanted. */
export function notConvergingMessage(stuck: readonly string[], attempts: number): string {
  return `the cloud still reports other values after ${attempts} update attempts (reported → wanted): ${stuck.join('; ')}. ` +
    'Not sent again until the spec changes or the label operator/action=retry is set; the server stays usable';
}
