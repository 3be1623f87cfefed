import type { Assignment } from './apply-file.js';
import type { ConfigProblem } from './errors.js';
import { formatSpec } from './formats.js';
import type { OptionEntry, OptionSpec } from './fragment.js';
import { ENV_PREFIX } from './schema.js';
import { byCodeUnits } from '../util/order.js';

export interface EnvReading {
  assignments: Assignment[];
  problems: ConfigProblem[];
  /** Option path → the env variable that set it (named in later validation messages). */
  sources: Map<string, string>;
}

type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** Reads an env string with the type the option's format declares: "false" is false, "8" is 8. */
export function parseEnvValue(raw: string, option: OptionSpec): Parsed {
  const kind = formatSpec(option.format).kind;
  const text = raw.trim();
  // "null" unsets a nullable option (an option that may be null never has "null" as a sensible value).
  if (option.nullable && text === 'null') return { ok: true, value: null };
  switch (kind) {
    case 'string':
      return { ok: true, value: raw };
    case 'boolean':
      if (/^(true|false)$/i.test(text)) return { ok: true, value: text.toLowerCase() === 'true' };
      return { ok: false, reason: 'must be true or false' };
    case 'number':
      return NUMBER.test(text) ? { ok: true, value: Number(text) } : { ok: false, reason: 'must be a number' };
    default:
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch (e) {
        const example = kind === 'array' ? `'["a","b"]'` : `'{"key":"value"}'`;
        return { ok: false, reason: `must be JSON, e.g. ${example} (${(e as Error).message})` };
      }
  }
}

/**
 * Every `HYBRIDCLOUD_…` variable becomes a typed assignment; a variable that names no option is a
 * problem (a typo would otherwise be ignored). An empty value is ignored, as in the reference.
 */
export function readEnvOverrides(env: Readonly<Record<string, string | undefined>>, table: ReadonlyMap<string, OptionEntry>): EnvReading {
  const reading: EnvReading = { assignments: [], problems: [], sources: new Map() };
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => byCodeUnits(a, b))) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || raw === '') continue;
    const entry = table.get(name);
    if (!entry) {
      reading.problems.push({ path: name, value: undefined, reason: 'this environment variable names no config option' });
      continue;
    }
    const parsed = parseEnvValue(raw, entry.option);
    if (parsed.ok) {
      reading.assignments.push({ path: entry.path, value: parsed.value });
      reading.sources.set(entry.path, name);
    } else {
      reading.problems.push({ path: entry.path, value: raw, reason: `${parsed.reason} (from ${name})` });
    }
  }
  return reading;
}
