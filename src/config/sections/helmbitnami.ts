import { fail, isPlainObject, type Check } from '../checks.js';
import { COMMON_EXTENSIONS, ENDPOINT_TEMPLATE, FLAG, K8S_CLASSES, NAME, POSITIVE, ROLE_NAME, TEXT } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import type { Fragment } from '../fragment.js';
import { backupOptions, type BackupSection } from './backup.js';
import { limitOptions, type SectionLimits } from './limits.js';

/**
 * Values the Helm backend sets itself (or that would override them in the chart): refused in
 * `extra_values`, where they would be silently overwritten or break the release's names and auth.
 */
const OPERATOR_OWNED_VALUES = [
  'fullnameOverride', 'architecture', 'image.tag', 'auth.enablePostgresUser', 'auth.existingSecret', 'auth.secretKeys.adminPasswordKey',
  'global.postgresql.fullnameOverride', 'global.postgresql.auth', 'primary.persistence.size', 'primary.resources.requests.cpu',
  'primary.resources.requests.memory', 'primary.resources.limits.cpu', 'primary.resources.limits.memory',
  // The backup CronJob's schedule, command and claim come from the server's backup plan (backup.* config keys).
  'backup.enabled', 'backup.cronjob.schedule', 'backup.cronjob.command', 'backup.cronjob.storage.size',
];

const helmValues: Check = (v) => {
  if (!isPlainObject(v)) return fail('must be a map of Helm values (as in the chart\'s values.yaml)', v);
  const has = (path: string) => path.split('.').reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), v) !== undefined;
  const owned = OPERATOR_OWNED_VALUES.filter(has);
  return owned.length ? fail(`must not set ${owned.join(', ')}: the operator sets these from the server's spec and its own Secret`, v) : [];
};
const HELM_VALUES = defineFormat({ name: 'helm-values', kind: 'object', check: helmValues });


/** `backends.helmbitnami`: one release of the Bitnami PostgreSQL chart per server. */
export const helmbitnami = {
  default_class: { doc: 'Class used when a server names none.', format: NAME, default: null, nullable: true },
  classes: { doc: 'Size classes users can choose: name → {cpu, memory} requests/limits of the pod (Kubernetes quantities).', format: K8S_CLASSES, default: {} },
  admin_username: { doc: 'Name of the admin user.', format: ROLE_NAME, default: 'postgres' },
  storage_class: { doc: 'Storage class of the data volumes; "" = the cluster default.', format: TEXT, default: '' },
  pvc_cleanup: { doc: 'If true, deleting a server also deletes its persistent volume claims (its data).', format: FLAG, default: false },
  chart: {
    doc: 'The chart: an OCI reference (default: the Bitnami chart on Docker Hub), a chart repository URL holding "postgresql", a chart archive URL, or a local path (a mirrored chart).',
    format: NAME,
    default: 'oci://registry-1.docker.io/bitnamicharts/postgresql',
  },
  chart_version: { doc: 'The chart version to install (pinned; the operator is tested with 17.1.0); "" = the newest. Ignored for a local path or archive URL.', format: TEXT, default: '17.1.0' },
  extra_values: {
    doc: 'Extra Helm values for every release, e.g. an image registry override: {image: {registry: docker.io, repository: bitnamilegacy/postgresql}, global: {security: {allowInsecureImages: true}}}. The keys the operator sets from the spec are refused.',
    format: HELM_VALUES,
    default: {},
  },
  helm_binary: { doc: 'The helm v3 executable: a name looked up on PATH, or a path.', format: NAME, default: 'helm' },
  helm_timeout_seconds: { doc: 'Longest time one helm call may take before it is stopped and retried. A release an interrupted call left pending-install/-upgrade/-rollback for longer than this plus 60 s is repaired (uninstalled and installed again, or rolled back and upgraded again), if this operator made it.', format: POSITIVE, default: 300 },
  operator_endpoint: {
    doc: 'host:port the OPERATOR uses to reach a server, with {namespace}, {name} and {service} (the release\'s Service) replaced, e.g. a port-forward when running outside the cluster; "" = {service}.{namespace}.svc:5432.',
    format: ENDPOINT_TEMPLATE,
    default: '',
  },
  // Scheduled logical backups (ADR 0020).
  backup: backupOptions,
  ...limitOptions({ allowed_extensions: COMMON_EXTENSIONS, database_delete_fake: false }),
} satisfies Fragment;

export interface K8sClass {
  cpu: string;
  memory: string;
}

export interface HelmBitnamiSection extends SectionLimits {
  default_class: string | null;
  classes: Record<string, K8sClass>;
  admin_username: string;
  storage_class: string;
  pvc_cleanup: boolean;
  chart: string;
  chart_version: string;
  extra_values: Record<string, unknown>;
  helm_binary: string;
  helm_timeout_seconds: number;
  operator_endpoint: string;
  allowed_extensions: string[];
  backup: BackupSection;
}
