import { escapeIdentifier } from 'pg';
import { Reason } from '../api/conditions.js';
import { PermanentError } from '../api/errors.js';
import { SqlError, SqlState, sqlState } from './errors.js';
import type { Queryable } from './types.js';

/**
 * Creates each extension (and what it depends on) in the database `q` is connected to; existing
 * ones are left alone. Which extensions a tenant may ask for is the caller's decision
 * (`DatabasePolicy.allowedExtensions`); names are escaped anyway.
 */
export async function ensureExtensions(q: Queryable, extensions: readonly string[]): Promise<void> {
  for (const name of extensions) {
    try {
      await q.query(`CREATE EXTENSION IF NOT EXISTS ${escapeIdentifier(name)} CASCADE`);
    } catch (err) {
      if (isNotInstalled(err)) {
        throw new PermanentError(`extension "${name}" is not installed on this server`, Reason.ExtensionNotAllowed);
      }
      if (sqlState(err) === SqlState.InvalidParameterValue) {
        throw new PermanentError(`"${name}" is not a valid extension name`, Reason.ExtensionNotAllowed);
      }
      throw new SqlError(`create extension ${name}`, err);
    }
  }
}

/** ≤ 15: the control file is missing (58P01); ≥ 16: "extension … is not available" (0A000). */
function isNotInstalled(err: unknown): boolean {
  const state = sqlState(err);
  if (state === SqlState.UndefinedFile) return true;
  return state === SqlState.FeatureNotSupported && err instanceof Error && /is not available/.test(err.message);
}
