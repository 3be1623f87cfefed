import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

/** PostgreSQL's defaults (scram_iterations, SCRAM_DEFAULT_SALT_LEN). */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
const pbkdf2Async = promisify(pbkdf2);
const SALT_BYTES = 16;
const KEY_BYTES = 32;

export interface ScramOptions {
  iterations?: number;
  /** Fixed salt, for tests; a random 16-byte salt otherwise. */
  salt?: Buffer;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / RFC 7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64 parts. Given to
 * `CREATE/ALTER ROLE … PASSWORD`, PostgreSQL stores it as is, so the clear password never
 * reaches the server, its statement log or `pg_stat_activity`.
 *
 * SASLprep: PostgreSQL and every client use an all-ASCII password unchanged, but for non-ASCII
 * passwords they apply SASLprep and silently fall back to the raw bytes whenever the input
 * contains characters SASLprep prohibits or that Unicode 3.2 did not assign — and clients differ
 * in how closely they follow that. A verifier computed here could then match some clients and not
 * others, so non-ASCII passwords are refused. Generated passwords are ASCII alphanumerics.
 */
export async function scramVerifier(password: string, opts: ScramOptions = {}): Promise<string> {
  assertScramPassword(password);
  const iterations = opts.iterations ?? SCRAM_DEFAULT_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`SCRAM iterations must be a positive integer, got ${iterations}`);
  const salt = opts.salt ?? randomBytes(SALT_BYTES);
  if (salt.length === 0) throw new Error('SCRAM salt must not be empty');
  // On libuv's thread pool: a synchronous derivation blocks the event loop for milliseconds per role.
  const saltedPassword = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, KEY_BYTES, 'sha256');
  const clientKey = hmac(saltedPassword, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = hmac(saltedPassword, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

/** Throws unless every client will derive the same key from `password` (see `scramVerifier`). */
export function assertScramPassword(password: string): void {
  if (password.length === 0) throw new Error('the password is empty');
  if (password.includes('\u0000')) throw new Error('the password contains a NUL character');
  // eslint-disable-next-line no-control-regex
  if (!/^[\u0000-\u007f]*$/.test(password)) {
    throw new Error('the password contains non-ASCII characters, which PostgreSQL clients do not normalize consistently (SASLprep); use ASCII');
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function b64(buf: Buffer): string {
  return buf.toString('base64');
}
