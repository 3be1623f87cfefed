import { randomInt } from 'node:crypto';

// Letters and digits only: safe in URIs, JDBC URLs, shell env files and every client library.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A password from the OS's CSPRNG, uniformly distributed over the alphabet (no modulo bias). */
export function generatePassword(length: number): string {
  if (!Number.isInteger(length) || length < 12) throw new Error(`password length must be an integer of at least 12, got ${length}`);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}
