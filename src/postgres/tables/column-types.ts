/**
 * The strict grammar a column type is written in. A type string never reaches SQL: it is parsed
 * into a base name (checked with PostgreSQL's `to_regtype`), numeric modifiers and an array
 * marker, and the statement's type text is PostgreSQL's own `format_type` of what was resolved.
 */

export interface ParsedType {
  /** Lower-case words of the base type, single spaces: `character varying`, `timestamp with time zone`, `int4`. */
  base: string;
  /** The numbers in parentheses, e.g. `[50]` for varchar(50), `[10, 2]` for numeric(10,2). */
  modifiers: number[];
  isArray: boolean;
}

const WORD = '[a-z][a-z0-9_]*';
const SHAPE = new RegExp(`^(${WORD}(?: ${WORD}){0,3})(?:\\((\\d{1,8})(?:,(\\d{1,8}))?\\))?( with time zone| without time zone)?(\\[\\])?$`);
const MAX_TYPE_LENGTH = 64;

/** Parses a type as written in the spec, or says why it is refused. */
export function parseColumnType(text: string): ParsedType | { problem: string } {
  if (text.length > MAX_TYPE_LENGTH) return { problem: `is longer than ${MAX_TYPE_LENGTH} characters` };
  // Spaces are free around parentheses, commas and brackets, single between words; case folds.
  const normal = text.trim().toLowerCase().replace(/\s+/g, ' ').replace(/ ?([(),[\]])/g, '$1').replace(/([(,]) /g, '$1');
  const m = SHAPE.exec(normal);
  if (!m) {
    return {
      problem:
        'is not a type this operator accepts: one to four words of ASCII letters, digits and underscores, optionally ' +
        'followed by (n) or (p,s), "with/without time zone" and [] (for example varchar(50), numeric(10,2), ' +
        'timestamp(3) with time zone, text[])',
    };
  }
  const [, words, first, second, zone, array] = m;
  const modifiers = [first, second].filter((v): v is string => v !== undefined).map(Number);
  const base = `${words}${zone ?? ''}`;
  if (/ time zone$/.test(base) && !/^(timestamp|time) with(out)? time zone$/.test(base)) return { problem: 'has "with/without time zone" after a type other than timestamp or time' };
  return { base, modifiers, isArray: array !== undefined };
}

/** Modifier rules by PostgreSQL's canonical base name (format_type of the base type). */
const MODIFIERS: Record<string, { count: [number, number]; check(m: number[]): string | undefined; typmod(m: number[]): number }> = {
  'character varying': lengthRule(10_485_760, 4),
  character: lengthRule(10_485_760, 4),
  bit: lengthRule(83_886_080, 0),
  'bit varying': lengthRule(83_886_080, 0),
  numeric: {
    count: [1, 2],
    check: ([p, s = 0]) => ((p as number) < 1 || (p as number) > 1000 ? 'precision must be between 1 and 1000' : s > (p as number) ? 'scale must be between 0 and the precision' : undefined),
    typmod: ([p, s = 0]) => (((p as number) << 16) | s) + 4,
  },
  'timestamp without time zone': precisionRule(),
  'timestamp with time zone': precisionRule(),
  'time without time zone': precisionRule(),
  'time with time zone': precisionRule(),
};

function lengthRule(max: number, offset: number) {
  return {
    count: [1, 1] as [number, number],
    check: ([n]: number[]) => ((n as number) < 1 || (n as number) > max ? `length must be between 1 and ${max}` : undefined),
    typmod: ([n]: number[]) => (n as number) + offset,
  };
}

function precisionRule() {
  return {
    count: [1, 1] as [number, number],
    check: ([p]: number[]) => ((p as number) > 6 ? 'precision must be between 0 and 6' : undefined),
    typmod: ([p]: number[]) => p as number,
  };
}

/**
 * The type modifier PostgreSQL stores (atttypmod) for `modifiers` on the canonical base type, -1
 * for none; or why the modifiers do not fit that type.
 */
export function typmodFor(canonicalBase: string, modifiers: number[]): number | { problem: string } {
  if (modifiers.length === 0) return -1;
  const rule = MODIFIERS[canonicalBase];
  if (!rule) return { problem: `takes no modifiers (modifiers are accepted for ${Object.keys(MODIFIERS).join(', ')})` };
  if (modifiers.length < rule.count[0] || modifiers.length > rule.count[1]) return { problem: `takes ${rule.count[0] === rule.count[1] ? rule.count[0] : `${rule.count[0]} or ${rule.count[1]}`} modifier(s)` };
  const problem = rule.check(modifiers);
  return problem ? { problem } : rule.typmod(modifiers);
}

/** A type as PostgreSQL has it: canonical base name, modifier, array or not. */
export interface TypeShape {
  base: string;
  typmod: number;
  isArray: boolean;
}

const INTEGER_WIDTH: Record<string, number> = { smallint: 2, integer: 4, bigint: 8 };

/**
 * The type changes applied to an existing column, exactly these (each keeps every value as it is):
 * - varchar(n) → varchar(m) with m > n, varchar without a length, or text (no rewrite);
 * - smallint → integer or bigint, integer → bigint (PostgreSQL rewrites the table);
 * - numeric(p,s) → numeric(p',s) with p' > p and the same scale, or numeric without modifiers.
 * Arrays follow the same rules for their element type. Anything else is an unsafe change.
 */
export function isWidening(from: TypeShape, to: TypeShape): boolean {
  if (from.isArray !== to.isArray) return false;
  if (from.base === 'character varying') {
    if (to.base === 'text') return true;
    return to.base === 'character varying' && (to.typmod === -1 || (from.typmod !== -1 && to.typmod > from.typmod));
  }
  const fromWidth = INTEGER_WIDTH[from.base];
  const toWidth = INTEGER_WIDTH[to.base];
  if (fromWidth && toWidth) return toWidth > fromWidth;
  if (from.base === 'numeric' && to.base === 'numeric' && from.typmod !== -1) {
    if (to.typmod === -1) return true;
    const scale = (t: number) => (t - 4) & 0xffff;
    const precision = (t: number) => ((t - 4) >> 16) & 0xffff;
    return scale(to.typmod) === scale(from.typmod) && precision(to.typmod) > precision(from.typmod);
  }
  return false;
}
