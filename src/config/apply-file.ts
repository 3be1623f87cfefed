import { describeType, isPlainObject } from './checks.js';
import type { ConfigProblem } from './errors.js';
import { isOption, type Fragment } from './fragment.js';
import { REDACTED } from './redact.js';

/** One option value to set, found in the file or an env override. */
export interface Assignment {
  path: string;
  value: unknown;
}

export interface FileReading {
  assignments: Assignment[];
  problems: ConfigProblem[];
}

/** Values of unknown keys are shown in errors unless their name suggests a secret. */
const SECRET_NAME = /secret|password|passwd|token|credential|private.?key|access.?key/i;

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function unknownKey(path: string, key: string, value: unknown, siblings: string[]): ConfigProblem {
  const near = siblings.find((s) => s.toLowerCase() === key.toLowerCase()) ?? siblings.find((s) => editDistance(s, key) <= 2);
  const hint = near ? `; did you mean "${near}"?` : `; known here: ${siblings.join(', ')}`;
  return { path, value: SECRET_NAME.test(key) ? REDACTED : value, reason: `unknown option${hint}` };
}

/**
 * Walks the parsed YAML against the schema: known options become assignments (a map value of a
 * map-typed option is taken whole), unknown keys become problems (strict: a typo must not silently
 * fall back to a default). `legacy` rewrites older value shapes by path before they are read.
 */
export function readFileValues(raw: unknown, schema: Fragment, legacy: Readonly<Record<string, (v: unknown) => unknown>> = {}): FileReading {
  const reading: FileReading = { assignments: [], problems: [] };
  if (raw === null || raw === undefined) return reading;
  if (!isPlainObject(raw)) {
    reading.problems.push({ path: '(file)', value: undefined, reason: `the config file must hold a map of options, found ${describeType(raw)}` });
    return reading;
  }
  walk(raw, schema, '', legacy, reading);
  return reading;
}

function walk(values: Record<string, unknown>, fragment: Fragment, prefix: string, legacy: Readonly<Record<string, (v: unknown) => unknown>>, out: FileReading): void {
  for (const [key, rawValue] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const node = Object.hasOwn(fragment, key) ? fragment[key] : undefined;
    if (!node) {
      out.problems.push(unknownKey(path, key, rawValue, Object.keys(fragment)));
      continue;
    }
    const value = legacy[path] ? legacy[path](rawValue) : rawValue;
    if (isOption(node)) out.assignments.push({ path, value });
    // An empty group (`security:` with nothing under it) is YAML null: nothing set, as in the reference.
    else if (value === null || value === undefined) continue;
    else if (isPlainObject(value)) walk(value, node, path, legacy, out);
    else out.problems.push({ path, value, reason: `must be a map of options (${Object.keys(node).join(', ')}), found ${describeType(value)}` });
  }
}
