import type { Queryable } from './types.js';

/** The SQLSTATE codes this layer reacts to (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SqlState = {
  /** No such role, or not allowed to log in (PostgreSQL says 28P01 for a wrong password). */
  InvalidAuthorization: '28000',
  InvalidPassword: '28P01',
  FeatureNotSupported: '0A000',
  InvalidParameterValue: '22023',
  InsufficientPrivilege: '42501',
  DuplicateObject: '42710',
  DuplicateDatabase: '42P04',
  UndefinedObject: '42704',
  WrongObjectType: '42809',
  UndefinedFile: '58P01',
} as const;

/** The SQLSTATE of a `pg` error, or undefined for anything else (network errors, bugs). */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * A failed statement, named by what we tried to do. The message carries PostgreSQL's message and
 * SQLSTATE but never the statement text: statements may hold password verifiers.
 */
export class SqlError extends Error {
  readonly sqlState?: string;
  constructor(operation: string, cause: unknown) {
    const state = sqlState(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${operation} failed: ${detail}${state ? ` (SQLSTATE ${state})` : ''}`, { cause });
    this.name = 'SqlError';
    this.sqlState = state;
  }
}

/** Runs one statement; any failure becomes a `SqlError` that says which operation failed. */
export async function exec<R extends Record<string, unknown> = Record<string, unknown>>(
  q: Queryable,
  operation: string,
  text: string,
  values?: unknown[],
): Promise<R[]> {
  try {
    const result = await q.query<R>(text, values);
    return result.rows;
  } catch (err) {
    throw new SqlError(operation, err);
  }
}
