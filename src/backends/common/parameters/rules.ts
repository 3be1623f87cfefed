/**
 * The pure checks of `spec.serverParameters` for the in-cluster backends: names that look like
 * PostgreSQL settings and are not on the admin's deny-list, values from a strict grammar (they
 * go to PostgreSQL as a quoted literal, and into a config file for the Helm chart, so no quote,
 * backslash, newline or `#`). Whether PostgreSQL knows a name is checked against pg_settings of
 * the running server (see sql.ts).
 */
import { Reason } from '../../../api/conditions.js';
import type { Problem } from '../../types.js';

const NAME = /^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62})?$/;
/** Numbers with units, enums, lists, time zones, paths-like values, log_line_prefix escapes. */
const VALUE = /^[A-Za-z0-9 _.,:+\-/$%@*=[\]]{0,1024}$/;

export type ServerParameters = Record<string, string>;

/** Whether `name` matches a deny-list entry (exact, or a prefix ending in `*`). */
export function isDenied(name: string, denied: readonly string[]): boolean {
  return denied.some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

/** The spec's parameters as strings (numbers as PostgreSQL reads them). */
export function normalizeParameters(parameters: Record<string, string | number> | undefined): ServerParameters {
  return Object.fromEntries(Object.entries(parameters ?? {}).map(([k, v]) => [k, String(v)]));
}

export function parameterProblems(parameters: Record<string, string | number> | undefined, denied: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(normalizeParameters(parameters))) {
    const field = `spec.serverParameters.${name}`;
    if (!NAME.test(name)) problems.push({ reason: Reason.InvalidSpec, field, message: 'not a PostgreSQL parameter name' });
    else if (isDenied(name, denied)) problems.push({ reason: Reason.InvalidSpec, field, message: 'may not be set on this server (the admin\'s deny-list: it runs commands, loads code, or is managed by the operator)' });
    if (!VALUE.test(value)) problems.push({ reason: Reason.InvalidSpec, field, message: 'value may hold only letters, digits, spaces and _ . , : + - / $ % @ * = [ ] (at most 1024)' });
  }
  return problems;
}
