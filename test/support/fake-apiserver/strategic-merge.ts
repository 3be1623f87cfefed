import { isRecord } from './types.js';

/**
 * Strategic merge patch, SIMPLIFIED: the real server reads each list's patch strategy and merge
 * key from the Go types; here a small table keyed by field NAME (not full path) stands in for that,
 * covering the lists an operator usually touches. Lists not in the table are replaced, as in a
 * merge patch. Directives: `$patch: replace|delete`, `$retainKeys`, `$deleteFromPrimitiveList/<f>`
 * are honoured; `$setElementOrder/<f>` is ignored.
 */
const MERGE_KEYS: Record<string, string | ((items: Record<string, unknown>[]) => string)> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  ownerReferences: 'uid',
  conditions: 'type',
  // Container ports merge on containerPort, Service ports on port.
  ports: (items) => (items.some((i) => 'containerPort' in i) ? 'containerPort' : 'port'),
};

/** Lists of scalars whose strategy is "merge" (union) rather than replace. */
const PRIMITIVE_MERGE = new Set(['finalizers']);

function mergeList(field: string, target: unknown, patch: unknown[]): unknown[] {
  const base = Array.isArray(target) ? [...target] : [];
  if (PRIMITIVE_MERGE.has(field) && patch.every((v) => !isRecord(v))) {
    for (const v of patch) if (!base.includes(v)) base.push(v);
    return base;
  }
  const keyRule = MERGE_KEYS[field];
  const items = patch.filter(isRecord);
  if (!keyRule || items.length !== patch.length) return structuredClone(patch);
  const key = typeof keyRule === 'string' ? keyRule : keyRule(items);
  for (const item of items) {
    const idx = base.findIndex((b) => isRecord(b) && b[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) base.splice(idx, 1);
    } else if (idx >= 0) base[idx] = strategicMerge(base[idx], item);
    else base.push(strategicMerge(undefined, item));
  }
  return base;
}

function applyDirectives(out: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    const field = k.slice('$deleteFromPrimitiveList/'.length);
    if (k.startsWith('$deleteFromPrimitiveList/') && Array.isArray(v) && Array.isArray(out[field])) {
      out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as unknown[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
}

export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return strategicMerge(undefined, rest);
  }
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null || (isRecord(v) && v.$patch === 'delete')) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(k, out[k], v);
    else out[k] = strategicMerge(out[k], v);
  }
  applyDirectives(out, patch);
  return out;
}
