/**
 * The two kinds of failure every layer reports (backends, the PostgreSQL module, handlers). They
 * sit in `api` because the reason vocabulary lives here and every other layer may import it.
 */
import type { ReasonName } from './conditions.js';
import { Reason } from './conditions.js';

/**
 * The spec (or the config) must change before a retry can succeed: the handler records the
 * condition and does not retry until the object's generation changes.
 */
export class PermanentError extends Error {
  readonly reason: ReasonName;
  constructor(message: string, reason: ReasonName = Reason.InvalidSpec) {
    super(message);
    this.name = 'PermanentError';
    this.reason = reason;
  }
}

/** A fault that may pass: retried with exponential backoff (or after `retryAfterSeconds`). */
export class TemporaryError extends Error {
  readonly retryAfterSeconds?: number;
  constructor(message: string, retryAfterSeconds?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemporaryError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
