import type { BackendState } from '../types.js';

/** Statuses in which an instance or cluster serves connections while RDS works on it. */
const SERVING = new Set([
  'available',
  'backing-up',
  'modifying',
  'resetting-master-credentials',
  'storage-optimization',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'moving-to-vpc',
]);

/** Statuses nothing but a human (or AWS support) ends: polled at the slowest rate. */
const STUCK = new Set([
  'failed',
  'stopped',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'insufficient-capacity',
  'restore-error',
  'storage-full',
]);

/**
 * Statuses in which RDS accepts modifications and nothing of ours is in flight. Daily backups and
 * the hours-long optimisation after a storage change must not make a server look "not ready".
 */
const QUIET = new Set(['available', 'backing-up', 'storage-optimization']);

export interface StatusVerdict {
  /** Accepts connections. */
  serving: boolean;
  /** RDS is working on it (or it needs a human): the handler waits instead of writing. */
  busy: boolean;
  stuck: boolean;
}

export function judgeStatus(status: string | undefined): StatusVerdict {
  const s = status ?? 'unknown';
  return { serving: SERVING.has(s), busy: !QUIET.has(s), stuck: STUCK.has(s) };
}

/** Whether a Modify may be sent now. */
export function isQuiet(status: string | undefined): boolean {
  return QUIET.has(status ?? 'unknown');
}

/** How often to look while RDS works: creating an instance takes 5-20 minutes, so back off. */
export interface PollSettings {
  firstSeconds: number;
  maxSeconds: number;
  factor: number;
}

export const DEFAULT_POLL: PollSettings = { firstSeconds: 15, maxSeconds: 120, factor: 2 };

/**
 * The next look, growing while the status stays the same (15 s, 30 s, 60 s, 120 s …) and starting
 * over when it changes. The counter lives in the backend state so it survives restarts.
 */
export function nextPoll(state: BackendState, status: string, poll: PollSettings): { seconds: number; state: BackendState } {
  const same = state.pollStatus === status;
  const polls = same && typeof state.polls === 'number' ? state.polls + 1 : 0;
  const seconds = STUCK.has(status) ? poll.maxSeconds : Math.min(poll.firstSeconds * poll.factor ** polls, poll.maxSeconds);
  return { seconds, state: { ...state, pollStatus: status, polls } };
}

/** The state without the poll counter (steady state: only the resync looks). */
export function withoutPoll(state: BackendState): BackendState {
  const { pollStatus: _s, polls: _p, ...rest } = state;
  return rest;
}
