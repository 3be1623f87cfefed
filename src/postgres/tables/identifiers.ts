/**
 * Table and column names as a PostgreSQLTable gives them. PostgreSQL folds unquoted names to lower
 * case (`WEBSITE_USERS` is `website_users` to every application), so the operator folds them the
 * same way and then accepts only names an application can write without quotes.
 */
import { MAX_PG_NAME_BYTES } from '../names.js';

/**
 * PostgreSQL's reserved key words (`pg_get_keywords()` catcodes R and T, PostgreSQL 15): they
 * cannot be table or column names without quotes. The integration tests compare this list with
 * the server's own.
 */
export const RESERVED_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column ' +
    'concurrently constraint create cross current_catalog current_date current_role current_schema current_time ' +
    'current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze ' +
    'from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit ' +
    'localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references ' +
    'returning right select session_user similar some symmetric table tablesample then to trailing true union unique user ' +
    'using variadic verbose when where window with'
  ).split(' '),
);

/** What PostgreSQL does to an unquoted identifier: ASCII letters to lower case, nothing else. */
export function foldName(name: string): string {
  return name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/**
 * Why `folded` cannot be a table or column name, or undefined when it can: ASCII letters, digits
 * and underscores, starting with a letter or underscore, at most 63 bytes, no reserved key word.
 */
export function identifierProblem(folded: string, what: string): string | undefined {
  if (folded.length === 0) return `${what} is empty`;
  if (Buffer.byteLength(folded, 'utf8') > MAX_PG_NAME_BYTES) return `${what} "${printable(folded)}" is longer than PostgreSQL's limit of ${MAX_PG_NAME_BYTES} bytes`;
  if (!/^[a-z_][a-z0-9_]*$/.test(folded)) {
    return `${what} "${printable(folded)}" may only contain ASCII letters, digits and underscores, and must not start with a digit`;
  }
  if (RESERVED_KEYWORDS.has(folded)) return `${what} "${folded}" is a reserved word in PostgreSQL`;
  return undefined;
}

/** A name as it may appear in a condition message: control characters shown as escapes. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text).slice(1, -1).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
