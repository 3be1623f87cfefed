import { isPlainObject } from './checks.js';
import type { ConfigProblem } from './errors.js';
import { listOptions, type Fragment } from './fragment.js';

export const REDACTED = '[redacted]';

/** Paths of the options marked `sensitive` in the schema. */
export function sensitivePaths(schema: Fragment): string[] {
  return listOptions(schema).filter((e) => e.option.sensitive === true).map((e) => e.path);
}

/** True for a sensitive option and anything inside it (`x.secret`, `x.secret.key`, `x.secret[0]`). */
export function isSensitive(path: string, sensitive: readonly string[]): boolean {
  return sensitive.some((s) => path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`));
}

/** A copy of the config with every set sensitive value replaced (unset ones stay null: nothing to hide). */
export function redactConfig<T>(config: T, sensitive: readonly string[]): T {
  const copy = structuredClone(config);
  for (const path of sensitive) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let node: unknown = copy;
    for (const key of keys) node = isPlainObject(node) ? node[key] : undefined;
    if (isPlainObject(node) && node[last] !== null && node[last] !== undefined) node[last] = REDACTED;
  }
  return copy;
}

export function redactProblems(problems: ConfigProblem[], sensitive: readonly string[]): ConfigProblem[] {
  return problems.map((p) => (p.value !== undefined && isSensitive(p.path, sensitive) ? { ...p, value: REDACTED } : p));
}
