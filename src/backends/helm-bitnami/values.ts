/**
 * The Helm values of one release of the Bitnami PostgreSQL chart (17.x layout), built without I/O.
 * Every key set here exists in the real chart's values.yaml (checked by a test against a copy of
 * it). The admin password is never a value: the chart reads it from the operator's Secret.
 */
export type HelmValues = Record<string, unknown>;

export interface PodResources {
  cpu: string;
  memory: string;
}

export interface ReleaseValuesInput {
  /** The release name; also the chart's fullname, so the StatefulSet and Service carry it. */
  release: string;
  /** The image tag (the PostgreSQL major, e.g. "17"). */
  imageTag: string;
  storageGB: number;
  /** Requests = limits (a guaranteed pod); undefined leaves the chart's resources preset. */
  resources?: PodResources;
  /** Empty: the cluster's default storage class. */
  storageClass: string;
  adminSecret: { name: string; passwordKey: string };
  /** Extra labels for every object of the release (the chart's `commonLabels`). */
  labels: Record<string, string>;
  /** The admin's `extra_values`; the operator's own keys below win over them. */
  extraValues: HelmValues;
}

/** The operator's values, deep-merged over the admin's `extra_values`. */
export function buildReleaseValues(input: ReleaseValuesInput): HelmValues {
  const primary: HelmValues = {
    persistence: {
      size: `${input.storageGB}Gi`,
      ...(input.storageClass ? { storageClass: input.storageClass } : {}),
    },
  };
  if (input.resources) {
    const { cpu, memory } = input.resources;
    primary.resources = { requests: { cpu, memory }, limits: { cpu, memory } };
  }
  const own: HelmValues = {
    // Pinned so names never depend on the chart's naming rules (and match the Python operator's releases).
    fullnameOverride: input.release,
    // Replication renames the primary (`-primary` suffix) and would need a replication password.
    architecture: 'standalone',
    ...(Object.keys(input.labels).length ? { commonLabels: input.labels } : {}),
    image: { tag: input.imageTag },
    auth: {
      enablePostgresUser: true,
      existingSecret: input.adminSecret.name,
      secretKeys: { adminPasswordKey: input.adminSecret.passwordKey },
    },
    primary,
  };
  return deepMerge(input.extraValues, own);
}

/** The keys the operator sets itself (documentation and the admin's `extra_values` check). */
export const OPERATOR_KEYS: readonly string[] = [
  'fullnameOverride',
  'architecture',
  'commonLabels',
  'image.tag',
  'auth.enablePostgresUser',
  'auth.existingSecret',
  'auth.secretKeys.adminPasswordKey',
  'primary.persistence.size',
  'primary.persistence.storageClass',
  'primary.resources',
  // From the server's backup plan (backup-values.ts).
  'backup.enabled',
  'backup.cronjob.schedule',
  'backup.cronjob.timeZone',
  'backup.cronjob.concurrencyPolicy',
  'backup.cronjob.command',
  'backup.cronjob.storage',
];

/** `over` merged into `base`: objects merge key by key, anything else (arrays too) replaces. */
export function deepMerge(base: HelmValues, over: HelmValues): HelmValues {
  const out: HelmValues = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const mine = out[key];
    out[key] = isPlainObject(mine) && isPlainObject(value) ? deepMerge(mine, value) : value;
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a dotted path (`primary.persistence.size`) from values. */
export function valueAt(values: unknown, path: string): unknown {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}
