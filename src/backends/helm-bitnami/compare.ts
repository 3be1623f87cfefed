import { isPlainObject } from './values.js';

/** Keys whose values are not shown in difference messages (they may be credentials). */
const SENSITIVE_KEY = /pass|secret|token|credential|key$/i;

/**
 * The value as Helm stores it: a JSON round trip (drops `undefined`, turns a missing release
 * config `null` into `{}`), so values read back from `helm get values -o json` compare equal to
 * the ones given to `helm upgrade`.
 */
export function normalizeValues(values: unknown): Record<string, unknown> {
  if (values === null || values === undefined) return {};
  const copy: unknown = JSON.parse(JSON.stringify(values));
  return isPlainObject(copy) ? copy : {};
}

/**
 * Human-readable differences between the release's current values and the desired ones, one per
 * dotted path (`primary.persistence.size: 10Gi → 20Gi`); empty when they are deep-equal (key order
 * does not matter, array order does).
 */
export function valueDifferences(current: unknown, desired: unknown): string[] {
  const out: string[] = [];
  walk(normalizeValues(current), normalizeValues(desired), '', out);
  return out;
}

function walk(current: unknown, desired: unknown, path: string, out: string[]): void {
  // A whole subtree set or unset (e.g. an adopted release's `global.postgresql.auth`) is listed
  // leaf by leaf, so a password inside it is redacted like any other.
  if (isPlainObject(current) && desired === undefined) desired = {};
  if (isPlainObject(desired) && current === undefined) current = {};
  if (isPlainObject(current) && isPlainObject(desired)) {
    const keys = [...new Set([...Object.keys(desired), ...Object.keys(current)])].sort();
    for (const key of keys) walk(current[key], desired[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (deepEqual(current, desired)) return;
  const leaf = path.split('.').pop() ?? path;
  if (SENSITIVE_KEY.test(leaf)) out.push(`${path} changed`);
  else out.push(`${path}: ${show(current)} → ${show(desired)}`);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
