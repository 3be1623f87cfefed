import { createHmac } from 'node:crypto';
import type { BackendState, PasswordResult } from '../types.js';
import { isBusyFault } from './rds-api.js';
import { isQuiet } from './status.js';

/** What the password flow needs to know about the instance or cluster holding the master user. */
export interface MasterView {
  status: string;
  /** RDS lists the master password in PendingModifiedValues until it is applied. */
  passwordPending: boolean;
}

export interface PasswordTarget {
  /** undefined when the resource does not exist. */
  read(): Promise<MasterView | undefined>;
  /** Sends the new password; answers the resource's view right after (undefined if unknown). */
  send(password: string): Promise<MasterView | undefined>;
}

interface PasswordRequest {
  /** Fingerprint of the password requested, never the password. */
  fp: string;
  at: number;
  /** RDS was seen working on it (pending value or resetting status). */
  seen: boolean;
}

export interface PasswordTiming {
  now: () => number;
  /** When RDS never showed the change in progress, how long to wait before trusting `available`. */
  settleMs: number;
  retrySeconds: number;
}

const KEY = 'passwordRequest';

/**
 * A fingerprint to recognise a password we already sent: HMAC keyed with the server's uid,
 * truncated. Generated passwords carry ~95 bits of entropy, so the 64 bits kept in the (tenant
 * readable) status reveal nothing usable.
 */
export function passwordFingerprint(uid: string, password: string): string {
  return createHmac('sha256', uid).update(password).digest('hex').slice(0, 16);
}

/**
 * Idempotent master password change: Modify once, then `applied` only when RDS reports the
 * resource available with no pending master password. RDS may answer `available` for a moment
 * before it starts; a change never seen in progress is trusted only after `settleMs`.
 */
export async function changeMasterPassword(
  target: PasswordTarget,
  uid: string,
  password: string,
  state: BackendState,
  timing: PasswordTiming,
): Promise<PasswordResult> {
  const fp = passwordFingerprint(uid, password);
  const previous = state[KEY] as PasswordRequest | undefined;
  const view = await target.read();
  if (!view) return { applied: false, message: 'the server does not exist (yet)', retryAfterSeconds: timing.retrySeconds };
  const inProgress = view.passwordPending || view.status === 'resetting-master-credentials';

  if (previous?.fp === fp) return followUp(view, inProgress, previous, state, timing);
  if (view.status === 'creating' || view.status === 'deleting') {
    return { applied: false, message: `cannot change the admin password while the server is ${view.status}`, retryAfterSeconds: timing.retrySeconds };
  }
  let after: MasterView | undefined;
  try {
    after = await target.send(password);
  } catch (error) {
    if (!isBusyFault(error)) throw error;
    return { applied: false, message: `AWS cannot change the admin password now (status ${view.status})`, retryAfterSeconds: timing.retrySeconds };
  }
  const seen = Boolean(after && (after.passwordPending || after.status === 'resetting-master-credentials'));
  const request: PasswordRequest = { fp, at: timing.now(), seen };
  return { applied: false, message: 'asked AWS to change the admin password', retryAfterSeconds: timing.retrySeconds, state: { ...state, [KEY]: request } };
}

/** The password was sent before: applied once RDS is done with it. */
function followUp(view: MasterView, inProgress: boolean, previous: PasswordRequest, state: BackendState, timing: PasswordTiming): PasswordResult {
  const request = { ...previous, seen: previous.seen || inProgress };
  const settled = request.seen || timing.now() - request.at >= timing.settleMs;
  if (!inProgress && isQuiet(view.status) && settled) {
    const { [KEY]: _done, ...rest } = state;
    return { applied: true, message: 'AWS applied the new admin password', state: rest };
  }
  return { applied: false, message: `AWS is applying the new admin password (status ${view.status})`, retryAfterSeconds: timing.retrySeconds, state: { ...state, [KEY]: request } };
}
