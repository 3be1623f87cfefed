/**
 * Column defaults from a small, documented set: a few functions, spelled exactly, or a literal
 * checked by a grammar for the column's type and sent as an escaped string constant. No SQL
 * expression a user writes ever reaches a statement.
 */
import { escapeLiteral } from 'pg';
import type { TypeShape } from './column-types.js';

/** The functions a default may name (case and surrounding spaces do not matter), with the SQL sent. */
export const DEFAULT_FUNCTIONS: Readonly<Record<string, string>> = {
  'now()': 'now()',
  current_timestamp: 'CURRENT_TIMESTAMP',
  current_date: 'CURRENT_DATE',
  localtimestamp: 'LOCALTIMESTAMP',
  'gen_random_uuid()': 'gen_random_uuid()',
};

const INTEGER = /^[-+]?\d{1,19}$/;
const DECIMAL = /^[-+]?(\d{1,131072}(\.\d{0,16383})?|\.\d{1,16383})([eE][-+]?\d{1,4})?$/;
const BOOLEAN = /^(true|false)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/;
const TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;
const MAX_TEXT = 1024;

/** Literal grammar by canonical base type; text types take any printable text. */
const LITERALS: Record<string, RegExp | 'text'> = {
  smallint: INTEGER,
  integer: INTEGER,
  bigint: INTEGER,
  numeric: DECIMAL,
  real: DECIMAL,
  'double precision': DECIMAL,
  boolean: BOOLEAN,
  uuid: UUID,
  date: DATE,
  'time without time zone': TIME,
  'timestamp without time zone': TIMESTAMP,
  'timestamp with time zone': TIMESTAMPTZ,
  text: 'text',
  'character varying': 'text',
  character: 'text',
};

/** Which functions make sense for which types (others would fail or surprise). */
const FUNCTION_TYPES: Record<string, string[]> = {
  'now()': ['timestamp with time zone', 'timestamp without time zone', 'date'],
  current_timestamp: ['timestamp with time zone', 'timestamp without time zone', 'date'],
  current_date: ['date', 'timestamp with time zone', 'timestamp without time zone'],
  localtimestamp: ['timestamp without time zone', 'timestamp with time zone', 'date'],
  'gen_random_uuid()': ['uuid'],
};

/** The SQL of a default for a column of `type`, or why it is refused. */
export function defaultSql(value: string | number | boolean, type: TypeShape): { sql: string } | { problem: string } {
  if (typeof value === 'boolean') value = String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { problem: 'must be a finite number' };
    value = String(value);
  }
  const fn = value.trim().toLowerCase().replace(/\s+/g, '');
  const fnSql = DEFAULT_FUNCTIONS[fn];
  if (fnSql) {
    if (type.isArray || !FUNCTION_TYPES[fn]?.includes(type.base)) return { problem: `${fn} does not fit a column of type ${type.base}${type.isArray ? '[]' : ''}` };
    return { sql: fnSql };
  }
  if (type.isArray) return { problem: 'array columns take no default' };
  const problem = literalProblem(value, type);
  // A string constant of unknown type, coerced to the column's type by PostgreSQL.
  return problem ? { problem } : { sql: escapeLiteral(value) };
}

/** Why `value` is not a literal this operator accepts for a column of `type`. */
function literalProblem(value: string, type: TypeShape): string | undefined {
  const grammar = LITERALS[type.base];
  if (!grammar) return `literal defaults are accepted for ${Object.keys(LITERALS).join(', ')}; functions: ${Object.keys(DEFAULT_FUNCTIONS).join(', ')}`;
  if (grammar !== 'text') return grammar.test(value) ? undefined : `"${value.slice(0, 40)}" is not a ${type.base} literal this operator accepts`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  if (value.length > MAX_TEXT) return `must be at most ${MAX_TEXT} characters`;
  // PostgreSQL checks a varchar/char default's length only when a row uses it: check it now.
  const limit = type.base !== 'text' && type.typmod !== -1 ? type.typmod - 4 : Infinity;
  return [...value].length > limit ? `"${value.slice(0, 40)}" is longer than the column's ${limit} characters` : undefined;
}
