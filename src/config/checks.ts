/**
 * Small composable value checks for config formats. A check never throws: it returns what is wrong
 * (empty = fine), each issue located relative to the checked value (`dev.tier`, `[2].startIp`), so
 * one bad class map yields one problem per bad field instead of a single vague message.
 */
export interface Issue {
  /** Where inside the checked value; '' = the value itself. */
  subpath: string;
  value: unknown;
  reason: string;
}

export type Check = (value: unknown) => Issue[];

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "a list", "a map", "null", "a number": for messages that say what was found instead. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

export function fail(reason: string, value: unknown): Issue[] {
  return [{ subpath: '', value, reason }];
}

/** One path segment: `.name` for plain keys, `["db.large"]` for keys with other characters. */
function segment(key: string): string {
  return /^[\w-]+$/.test(key) ? key : `[${JSON.stringify(key)}]`;
}

/** Prefixes issues found inside an entry with the entry's key or index. */
export function nest(issues: Issue[], key: string | number): Issue[] {
  const head = typeof key === 'number' ? `[${key}]` : segment(key);
  return issues.map((issue) => {
    if (!issue.subpath) return { ...issue, subpath: head };
    const joiner = issue.subpath.startsWith('[') ? '' : '.';
    return { ...issue, subpath: `${head}${joiner}${issue.subpath}` };
  });
}

export function joinPath(base: string, subpath: string): string {
  if (!subpath) return base;
  return subpath.startsWith('[') ? `${base}${subpath}` : `${base}.${subpath}`;
}

export const bool = (): Check => (v) => (typeof v === 'boolean' ? [] : fail(`must be true or false, got ${describeType(v)}`, v));

export interface StringRules {
  nonEmpty?: boolean;
  pattern?: RegExp;
  /** Says in words what `pattern` wants, e.g. "a DNS label like team-a". */
  hint?: string;
  maxLength?: number;
}

export function str(rules: StringRules = {}): Check {
  return (v) => {
    if (typeof v !== 'string') return fail(`must be a string, got ${describeType(v)}`, v);
    if (rules.nonEmpty && v.trim() === '') return fail('must not be empty', v);
    if (rules.maxLength !== undefined && v.length > rules.maxLength) return fail(`must be at most ${rules.maxLength} characters long`, v);
    if (rules.pattern && !rules.pattern.test(v)) return fail(`must be ${rules.hint ?? `a string matching ${rules.pattern}`}`, v);
    return [];
  };
}

export function int(min: number, max = Number.MAX_SAFE_INTEGER): Check {
  return (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`must be a whole number, got ${describeType(v)}`, v);
    if (v < min || v > max) return fail(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be between ${min} and ${max}`, v);
    return [];
  };
}

export function num(min: number): Check {
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`must be a number, got ${describeType(v)}`, v);
    return v < min ? fail(`must be at least ${min}`, v) : [];
  };
}

export function oneOf(values: readonly string[], options: { ignoreCase?: boolean } = {}): Check {
  const wanted = options.ignoreCase ? values.map((x) => x.toLowerCase()) : values;
  return (v) => {
    const found = typeof v === 'string' && wanted.includes(options.ignoreCase ? v.toLowerCase() : v);
    return found ? [] : fail(`must be one of ${values.join(', ')}`, v);
  };
}

export function listOf(item: Check): Check {
  return (v) => {
    if (!Array.isArray(v)) return fail(`must be a list, got ${describeType(v)}`, v);
    return v.flatMap((entry, i) => nest(item(entry), i));
  };
}

export interface MapRules {
  /** Checks each key (issues are reported at the entry). */
  key?: Check;
  /** Refuses an empty map. */
  nonEmpty?: boolean;
}

export function mapOf(value: Check, rules: MapRules = {}): Check {
  return (v) => {
    if (!isPlainObject(v)) return fail(`must be a map, got ${describeType(v)}`, v);
    if (rules.nonEmpty && Object.keys(v).length === 0) return fail('must have at least one entry', v);
    return Object.entries(v).flatMap(([k, entry]) => {
      const keyIssues = rules.key ? rules.key(k).map((issue) => ({ ...issue, reason: `key ${issue.reason}` })) : [];
      return nest([...keyIssues, ...value(entry)], k);
    });
  };
}

export interface Field {
  check: Check;
  required?: boolean;
}

/** A map with known fields: missing required fields and unknown fields are reported by name. */
export function shape(fields: Record<string, Field>): Check {
  const known = Object.keys(fields);
  return (v) => {
    if (!isPlainObject(v)) return fail(`must be a map with the fields ${known.join(', ')}, got ${describeType(v)}`, v);
    const issues: Issue[] = [];
    for (const [name, field] of Object.entries(fields)) {
      const present = Object.hasOwn(v, name) && v[name] !== null && v[name] !== undefined;
      if (present) issues.push(...nest(field.check(v[name]), name));
      else if (field.required) issues.push(...nest(fail('is required', undefined), name));
    }
    for (const name of Object.keys(v).filter((k) => !Object.hasOwn(fields, k))) {
      issues.push(...nest(fail(`is not a known field (known: ${known.join(', ')})`, v[name]), name));
    }
    return issues;
  };
}

/** The first check that accepts wins; otherwise the given reason (alternatives' messages are noise). */
export function either(reason: string, ...checks: Check[]): Check {
  return (v) => (checks.some((c) => c(v).length === 0) ? [] : fail(reason, v));
}
