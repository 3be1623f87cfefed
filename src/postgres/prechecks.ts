import { Reason } from '../api/conditions.js';
import { PermanentError } from '../api/errors.js';
import { exec } from './errors.js';
import type { Queryable } from './types.js';

export interface DatabaseRequirements {
  /** Encoding, e.g. `UTF8`. */
  charset?: string;
  /** LC_COLLATE / LC_CTYPE, e.g. `en_US.utf8`. */
  collation?: string;
  extensions?: readonly string[];
}

/** Locales every PostgreSQL has, whether or not pg_collation lists them under these names. */
const BUILT_IN_LOCALES = new Set(['C', 'POSIX', 'C.UTF-8', 'C.utf8']);

/**
 * What the server must offer for a database, checked before anything is created (a role made for
 * a database the server then refuses would be left behind): the encoding is one PostgreSQL knows,
 * the collation is one of the server's for that encoding (pg_collation, which lists the operating
 * system's locales imported at initdb, and on managed servers the locales offered), the extensions
 * are available. The C locales are taken as given (every server has them, under varying names);
 * what CREATE DATABASE still refuses after these checks is cleaned up by the deletion (claims).
 * Throws a `PermanentError` naming every missing piece. Read-only: one query.
 */
export async function checkDatabaseRequirements(q: Queryable, req: DatabaseRequirements): Promise<void> {
  const extensions = [...(req.extensions ?? [])];
  const collation = req.collation && !BUILT_IN_LOCALES.has(req.collation) ? req.collation : null;
  if (!req.charset && !collation && !extensions.length) return;
  const rows = await exec<Answer>(
    q,
    'check the encoding, collation and extensions the database needs',
    `SELECT ($1::text IS NULL OR pg_char_to_encoding($1) >= 0) AS encoding_ok,
            ($2::text IS NULL OR EXISTS (SELECT 1 FROM pg_collation
                                          WHERE collprovider IN ('c', 'd') AND (collcollate = $2 OR collname = $2)
                                            AND collencoding IN (-1, COALESCE(pg_char_to_encoding($1),
                                                  (SELECT encoding FROM pg_database WHERE datname = 'template0'))))) AS collation_ok,
            (SELECT array_agg(e ORDER BY e) FROM unnest($3::text[]) AS e
              WHERE e NOT IN (SELECT name FROM pg_available_extensions)) AS missing`,
    [req.charset ?? null, collation, extensions],
  );
  const refusal = refusalOf(rows[0], req);
  if (refusal) throw refusal;
}

type Answer = {
  encoding_ok: boolean;
  collation_ok: boolean;
  missing: string[] | null;
};

function refusalOf(row: Answer | undefined, req: DatabaseRequirements): PermanentError | undefined {
  if (!row) return undefined;
  const problems: string[] = [];
  if (!row.encoding_ok) problems.push(`the server knows no encoding "${req.charset}"`);
  else if (!row.collation_ok) problems.push(`the server has no collation "${req.collation}"${req.charset ? ` for encoding ${req.charset}` : ''}`);
  const missing = row.missing ?? [];
  if (missing.length) problems.push(`extension(s) not available on the server: ${missing.join(', ')}`);
  if (problems.length === 0) return undefined;
  const reason = problems.length === 1 && missing.length ? Reason.ExtensionNotAllowed : Reason.InvalidSpec;
  return new PermanentError(`cannot create the database: ${problems.join('; ')}`, reason);
}
