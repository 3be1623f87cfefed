import { isDeepStrictEqual } from 'node:util';
import type { Assignment } from './apply-file.js';
import { joinPath } from './checks.js';
import type { ConfigProblem } from './errors.js';
import { formatSpec } from './formats.js';
import { getPath, type OptionEntry } from './fragment.js';

export interface OptionCheck {
  problems: ConfigProblem[];
  /** Valid values whose format rewrites them (e.g. tag 17 → "17"), to set back. */
  normalized: Assignment[];
}

/**
 * Runs every option's format against the loaded values and reports each issue at its own path
 * (`backends.azurepostgresflexible.classes.dev.tier`). The same formats are registered with convict;
 * this walk exists because convict reports all failures as one string.
 */
export function checkOptions(values: unknown, options: readonly OptionEntry[], sources: ReadonlyMap<string, string> = new Map()): OptionCheck {
  const result: OptionCheck = { problems: [], normalized: [] };
  for (const { path, option } of options) {
    const value = getPath(values, path);
    if (value === null && option.nullable) continue;
    const spec = formatSpec(option.format);
    const issues = spec.check(value);
    const from = sources.get(path);
    for (const issue of issues) {
      result.problems.push({ path: joinPath(path, issue.subpath), value: issue.value, reason: from ? `${issue.reason} (from ${from})` : issue.reason });
    }
    if (issues.length === 0 && spec.normalize) {
      const normal = spec.normalize(value);
      if (!isDeepStrictEqual(normal, value)) result.normalized.push({ path, value: normal });
    }
  }
  return result;
}
