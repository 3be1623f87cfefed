import type { ServerSpec } from '../../api/types.js';

/** A spec field a backend does not act on, and whether a spec sets it. */
export type IgnoredField = readonly [field: string, isSet: (spec: ServerSpec) => boolean];

/**
 * What the in-cluster backends (statefulset, helmbitnami) leave to the platform: one pod has no
 * standby to fail over to (that needs Patroni-like machinery), backups stay in the cluster (no
 * second region), firewall rules are not theirs, and a volume grows only when its size in the
 * spec does.
 */
export const IN_CLUSTER_IGNORED: readonly IgnoredField[] = [
  ['spec.highavailability', (s) => s.highavailability?.enabled === true],
  ['spec.backup.geoRedundant', (s) => s.backup?.geoRedundant === true],
  ['spec.network.firewallRules', (s) => (s.network?.firewallRules?.length ?? 0) > 0],
  ['spec.size.storageAutoGrow', (s) => s.size.storageAutoGrow === true],
];

/** A warning naming the spec fields the backend ignores, if any (never silently). */
export function ignoredFieldsWarning(backend: string, spec: ServerSpec, fields: readonly IgnoredField[] = IN_CLUSTER_IGNORED): string | undefined {
  const ignored = fields.filter(([, isSet]) => isSet(spec)).map(([field]) => field);
  return ignored.length ? `${backend} does not support ${ignored.join(', ')}; ignored` : undefined;
}
