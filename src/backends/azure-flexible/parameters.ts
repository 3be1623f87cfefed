/**
 * Server parameters. Only the parameters the spec names are managed (others keep whatever value
 * they have); `azure.extensions` follows `spec.extensions`; extensions that must be preloaded are
 * added to `shared_preload_libraries` (never removed from it: that would need a restart and could
 * break databases still using them).
 */
export const EXTENSIONS_PARAMETER = 'azure.extensions';
export const PRELOAD_PARAMETER = 'shared_preload_libraries';

/** Extensions Azure only allows with an entry in `shared_preload_libraries`. */
export const PRELOAD_EXTENSIONS: readonly string[] = [
  'age', 'auto_explain', 'pg_cron', 'pg_failover_slots', 'pg_hint_plan', 'pg_partman_bgw', 'pg_prewarm', 'pg_squeeze',
  'pg_stat_statements', 'pgaudit', 'pglogical', 'timescaledb', 'wal2json',
];

export interface ActualParameter {
  value: string;
  isReadOnly: boolean;
  isConfigPendingRestart: boolean;
}

/** Azure's echo of a value it normalised (e.g. `64MB` stored as `8192`), learnt after a write. */
export type ParameterAliases = Record<string, { spec: string; azure: string }>;

export interface ParameterPlan {
  /** To set: the wanted value, and the one Azure reports now. */
  put: { name: string; value: string; current: string }[];
  /** Managed parameters whose new value waits for a restart. */
  pendingRestart: string[];
  /** Parameters the spec names that the server does not have. */
  unknown: string[];
  /** Parameters the spec names that Azure does not allow to change. */
  readOnly: string[];
}

const LIST_PARAMETERS = new Set([EXTENSIONS_PARAMETER, PRELOAD_PARAMETER]);

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

function sameValue(name: string, a: string, b: string): boolean {
  if (LIST_PARAMETERS.has(name)) {
    const x = new Set(splitList(a));
    const y = new Set(splitList(b));
    return x.size === y.size && [...x].every((v) => y.has(v));
  }
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The values the spec asks for, by parameter name (before preload handling). */
export function desiredParameters(serverParameters: Record<string, string | number> | undefined, extensions: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(serverParameters ?? {})) out[name] = String(value);
  if (extensions) out[EXTENSIONS_PARAMETER] = [...new Set(extensions.map((e) => e.toLowerCase()))].sort().join(',');
  return out;
}

export function preloadNeeded(extensions: readonly string[] | undefined): string[] {
  return [...new Set((extensions ?? []).map((e) => e.toLowerCase()).filter((e) => PRELOAD_EXTENSIONS.includes(e)))].sort();
}

/** Whether the spec manages any parameter at all (when not, the parameter list is never read). */
export function managesParameters(desired: Record<string, string>, preload: readonly string[]): boolean {
  return Object.keys(desired).length > 0 || preload.length > 0;
}

function withPreload(desired: Record<string, string>, preload: readonly string[], actual: ReadonlyMap<string, ActualParameter>): Record<string, string> {
  if (!preload.length) return desired;
  const base = desired[PRELOAD_PARAMETER] ?? actual.get(PRELOAD_PARAMETER)?.value ?? '';
  const current = splitList(base);
  const missing = preload.filter((p) => !current.includes(p));
  return missing.length ? { ...desired, [PRELOAD_PARAMETER]: [...current, ...missing].join(',') } : { ...desired, [PRELOAD_PARAMETER]: base };
}

export function planParameters(
  desired: Record<string, string>,
  preload: readonly string[],
  actual: ReadonlyMap<string, ActualParameter>,
  aliases: ParameterAliases,
): ParameterPlan {
  const plan: ParameterPlan = { put: [], pendingRestart: [], unknown: [], readOnly: [] };
  for (const [name, value] of Object.entries(withPreload(desired, preload, actual))) {
    const current = actual.get(name);
    if (!current) {
      plan.unknown.push(name);
      continue;
    }
    const alias = aliases[name];
    const inSync = sameValue(name, current.value, value) || (alias !== undefined && sameValue(name, alias.spec, value) && sameValue(name, alias.azure, current.value));
    if (!inSync && current.isReadOnly) plan.readOnly.push(name);
    else if (!inSync) plan.put.push({ name, value, current: current.value });
    if (current.isConfigPendingRestart) plan.pendingRestart.push(name);
  }
  return plan;
}
