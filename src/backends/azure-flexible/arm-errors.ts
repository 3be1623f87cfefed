/**
 * Turns Azure Resource Manager errors into the contract's error kinds, and keeps a per-backend
 * throttle gate so that after a 429 no request is sent before `Retry-After` has passed.
 * Raw `RestError`s are never rethrown: they carry the request, whose body may hold a password.
 */
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import { PermanentError, TemporaryError } from '../errors.js';
import { Reason } from '../../api/conditions.js';

export { isRestError };

export function statusOf(err: unknown): number | undefined {
  return isRestError(err) ? err.statusCode : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/** Seconds from a `Retry-After` header (delta seconds or an HTTP date). */
export function retryAfterOf(err: RestError, now: Date): number | undefined {
  const header = err.response?.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(1, Math.ceil((date - now.getTime()) / 1000));
}

/** Seconds to wait after a 429 that named no `Retry-After`. */
export const DEFAULT_THROTTLE_SECONDS = 30;

export class ThrottleGate {
  private until = 0;
  constructor(private readonly now: () => Date) {}

  /** Throws while Azure asked us to hold off. */
  check(): void {
    const remaining = Math.ceil((this.until - this.now().getTime()) / 1000);
    if (remaining > 0) throw new TemporaryError(`Azure Resource Manager throttles this operator; next request in ${remaining} s`, remaining);
  }

  /** Records a 429 and returns the seconds to wait. */
  note(err: RestError): number {
    const seconds = retryAfterOf(err, this.now()) ?? DEFAULT_THROTTLE_SECONDS;
    this.until = Math.max(this.until, this.now().getTime() + seconds * 1000);
    return seconds;
  }
}

/** `what` names the request ("update server x"); the result is safe to log. */
export function toBackendError(err: unknown, what: string, gate: ThrottleGate): Error {
  if (!isRestError(err)) {
    if (err instanceof PermanentError || err instanceof TemporaryError) return err;
    return new TemporaryError(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const status = err.statusCode;
  const detail = `${status ?? 'no response'}${err.code ? ` ${err.code}` : ''}: ${err.message}`;
  if (status === 429) {
    const seconds = gate.note(err);
    return new TemporaryError(`${what}: Azure throttled the request; retrying in ${seconds} s`, seconds);
  }
  // 400: Azure refuses this request as built from the spec and config; retrying cannot help.
  if (status === 400) return new PermanentError(`${what}: Azure rejected the request (${detail})`, Reason.InvalidSpec);
  return new TemporaryError(`${what}: ${detail}`);
}

/** Runs one ARM request behind the throttle gate; faults come back as backend errors. */
export async function guarded<T>(gate: ThrottleGate, what: string, fn: () => Promise<T>): Promise<T> {
  gate.check();
  try {
    return await fn();
  } catch (err) {
    throw toBackendError(err, what, gate);
  }
}
