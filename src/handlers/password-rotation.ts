import type { DatabaseSpec } from '../api/types.js';
import type { OperatorConfig } from '../config/types.js';
import { enableLogin, otherLogin, revokeLogin, type Queryable } from '../postgres/index.js';
import { generatePassword } from '../util/password.js';
import { beginReset, completeReset, writeStore, type PasswordScope, type StoredPassword } from './password-store.js';
import type { SecretStore } from './secret-store.js';
import { STORE_LOGIN } from './names.js';

/**
 * Keys of a database's store Secret beside `password` / `pending-password` (ADR 0002): the
 * rotation's state (ADR 0016). Each step of a reset or rotation is one write of the whole record,
 * so after a kill the record says exactly how far it got, and the next run finishes it.
 */
export { STORE_LOGIN } from './names.js';
export const STORE_PENDING_LOGIN = 'pending-username';
export const STORE_PREVIOUS_LOGIN = 'previous-username';
export const STORE_PREVIOUS_UNTIL = 'previous-valid-until';
export const STORE_ROTATED_AT = 'rotated-at';

const DAY_MS = 86_400_000;

export interface RotationPolicy {
  /** Days between scheduled rotations; null: only on request. */
  intervalDays: number | null;
  /** Minutes the previous login keeps working after a rotation. */
  graceMinutes: number;
}

export function rotationPolicy(spec: DatabaseSpec, config: OperatorConfig): RotationPolicy {
  const asked = spec.passwordRotation ?? {};
  const intervalDays = asked.intervalDays === undefined ? config.security.password_rotation.interval_days : asked.intervalDays;
  return { intervalDays: intervalDays ?? null, graceMinutes: asked.graceMinutes ?? config.security.password_rotation.grace_minutes };
}

export interface CredentialsRun {
  secrets: SecretStore;
  scope: PasswordScope;
  /** The admin's connection to the server. */
  admin: Queryable;
  /** The owner role (the database's name). */
  owner: string;
  stored: StoredPassword;
  policy: RotationPolicy;
  /** When the object was created: the schedule's start until the first rotation. */
  createdAt: Date;
  /** Test seam: called after each step, to stop there as a kill would. */
  failpoint?: (step: string) => Promise<void> | void;
}

export interface CredentialsOutcome {
  login: string;
  password: string;
  stored: StoredPassword;
  /** What this run did. */
  reset: boolean;
  rotated: boolean;
  revoked?: string;
  /** A rotation was asked for during the previous one's grace period: it waits for its end. */
  deferred: boolean;
  /** When something is due next (grace end, scheduled rotation), if anything. */
  dueAt?: Date;
}

/** The login the Secret names now (absent in records from before rotation: the owner). */
export function currentLogin(stored: StoredPassword, owner: string): string {
  return stored.record[STORE_LOGIN] || owner;
}

/**
 * Moves the credentials forward: finishes a reset or rotation a kill interrupted, runs the one asked
 * for (`reset`: same login, new password, every old password refused at once; `rotate`, or the
 * schedule: the other login gets a new password and the current one keeps working for the grace
 * period), and revokes a previous login whose grace period ended. The caller publishes after.
 */
export async function convergeCredentials(run: CredentialsRun, ask: { reset: boolean; rotate: boolean }, now: Date): Promise<CredentialsOutcome> {
  let stored = run.stored;
  let reset = false;
  let rotated = false;
  let deferred = false;
  let revoked: string | undefined;
  const revokeIfDue = async () => {
    const ended = await endGraceIfDue(run, stored, now);
    if (ended) [stored, revoked] = [ended.stored, ended.login];
  };
  const pendingLogin = stored.pending ? stored.record[STORE_PENDING_LOGIN] || currentLogin(stored, run.owner) : undefined;
  if (pendingLogin !== undefined && pendingLogin !== currentLogin(stored, run.owner)) {
    stored = await finishRotation(run, stored, now);
    rotated = true;
  } else if (pendingLogin !== undefined || ask.reset) {
    stored = await finishReset(run, stored);
    reset = true;
  }
  await revokeIfDue();
  if (!rotated && !reset && (ask.rotate || rotationDue(run, stored, now))) {
    // The other login is the previous one while its grace period runs: it is still in use.
    if (stored.record[STORE_PREVIOUS_LOGIN]) deferred = true;
    else {
      stored = await finishRotation(run, await beginRotation(run, stored), now);
      rotated = true;
      await revokeIfDue(); // a grace period of 0
    }
  }
  return { login: currentLogin(stored, run.owner), password: stored.password, stored, reset, rotated, deferred, revoked, dueAt: nextDue(run, stored) };
}

/** When the next scheduled rotation is due (undefined: rotation off). */
export function nextRotation(run: Pick<CredentialsRun, 'policy' | 'createdAt'>, stored: StoredPassword): Date | undefined {
  if (!run.policy.intervalDays) return undefined;
  const base = lastRotation(stored) ?? run.createdAt;
  return new Date(base.getTime() + run.policy.intervalDays * DAY_MS);
}

export function lastRotation(stored: StoredPassword): Date | undefined {
  const at = stored.record[STORE_ROTATED_AT];
  return at ? new Date(at) : undefined;
}

function rotationDue(run: CredentialsRun, stored: StoredPassword, now: Date): boolean {
  const next = nextRotation(run, stored);
  return next !== undefined && now.getTime() >= next.getTime();
}

function nextDue(run: CredentialsRun, stored: StoredPassword): Date | undefined {
  const until = stored.record[STORE_PREVIOUS_UNTIL];
  const times = [until ? new Date(until) : undefined, nextRotation(run, stored)].filter((d): d is Date => d !== undefined);
  return times.length ? new Date(Math.min(...times.map((d) => d.getTime()))) : undefined;
}

/** Step 1 of a rotation: the other login and a new password, stored before any use. */
async function beginRotation(run: CredentialsRun, stored: StoredPassword): Promise<StoredPassword> {
  const login = currentLogin(stored, run.owner);
  const next = await writeStore(run.secrets, run.scope, stored, {
    ...stored.record,
    [STORE_LOGIN]: login,
    'pending-password': generatePassword(run.scope.length),
    [STORE_PENDING_LOGIN]: otherLogin(run.owner, login),
  });
  await run.failpoint?.('rotation:begun');
  return next;
}

/**
 * Steps 2 and 3 of a rotation: the other login can log in with the pending password (the current
 * one is untouched and keeps working), then the store names it as current and the old one as the
 * previous login with the end of its grace period.
 */
async function finishRotation(run: CredentialsRun, stored: StoredPassword, now: Date): Promise<StoredPassword> {
  const login = currentLogin(stored, run.owner);
  const next = stored.record[STORE_PENDING_LOGIN] as string;
  const pending = stored.pending as string;
  await enableLogin(run.admin, run.owner, next, pending);
  await run.failpoint?.('rotation:applied');
  const until = new Date(now.getTime() + run.policy.graceMinutes * 60_000);
  const done = await completeReset(run.secrets, run.scope, stored, pending, {
    set: { [STORE_LOGIN]: next, [STORE_PREVIOUS_LOGIN]: login, [STORE_PREVIOUS_UNTIL]: until.toISOString(), [STORE_ROTATED_AT]: now.toISOString() },
    remove: [STORE_PENDING_LOGIN],
  });
  await run.failpoint?.('rotation:stored');
  return done;
}

/**
 * A reset (ADR 0002) on the current login: its new password works at once and the old one is
 * refused; a previous login still in its grace period is revoked too (no old password survives).
 */
async function finishReset(run: CredentialsRun, stored: StoredPassword): Promise<StoredPassword> {
  const login = currentLogin(stored, run.owner);
  const pending = await beginReset(run.secrets, run.scope, stored);
  await enableLogin(run.admin, run.owner, login, pending);
  const previous = stored.record[STORE_PREVIOUS_LOGIN];
  if (previous) await revokeLogin(run.admin, run.owner, previous);
  return completeReset(run.secrets, run.scope, { ...stored, pending }, pending, { remove: [STORE_PENDING_LOGIN, STORE_PREVIOUS_LOGIN, STORE_PREVIOUS_UNTIL] });
}

/** Step 4 of a rotation, once the grace period is over: the previous login is revoked, then forgotten. */
async function endGraceIfDue(run: CredentialsRun, stored: StoredPassword, now: Date): Promise<{ stored: StoredPassword; login: string } | undefined> {
  const previous = stored.record[STORE_PREVIOUS_LOGIN];
  const until = stored.record[STORE_PREVIOUS_UNTIL];
  if (!previous || (until && now.getTime() < new Date(until).getTime())) return undefined;
  await revokeLogin(run.admin, run.owner, previous);
  await run.failpoint?.('grace:revoked');
  const { [STORE_PREVIOUS_LOGIN]: _login, [STORE_PREVIOUS_UNTIL]: _until, ...rest } = stored.record;
  return { stored: await writeStore(run.secrets, run.scope, stored, rest), login: previous };
}
