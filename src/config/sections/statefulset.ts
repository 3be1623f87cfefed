import { either, isPlainObject, mapOf, num, oneOf, str } from '../checks.js';
import { COMMON_EXTENSIONS, ENDPOINT_TEMPLATE, FLAG, K8S_CLASSES, NAME, ROLE_NAME, TEXT } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import type { Fragment } from '../fragment.js';
import { backupOptions, type BackupSection } from './backup.js';
import { limitOptions, type SectionLimits } from './limits.js';
import type { K8sClass } from './helmbitnami.js';

/** `backends.statefulset`: the default backend, one StatefulSet + Service + Secret per server. */

/** Where the operator reaches a server when `operator_endpoint` is empty. */
export const DEFAULT_OPERATOR_ENDPOINT = '{service}.{namespace}.svc:5432';

const IMAGE_TAGS = defineFormat({
  name: 'image-tags',
  kind: 'object',
  check: mapOf(
    either('must be an image tag like "17" or "17.2-bookworm" (optionally @sha256:…)', str({ pattern: /^\w[\w.-]{0,127}(@sha256:[a-f0-9]{64})?$/ }), num(0)),
    { key: str({ pattern: /^\d+$/, hint: 'a PostgreSQL major version like "17"' }), nonEmpty: true },
  ),
  normalize: (v) => (isPlainObject(v) ? Object.fromEntries(Object.entries(v).map(([k, t]) => [k, typeof t === 'number' ? String(t) : t])) : v),
});

const SERVICE_TYPE = defineFormat({ name: 'service-type', kind: 'string', check: oneOf(['ClusterIP', 'NodePort', 'LoadBalancer']) });


export const statefulset = {
  classes: {
    doc: 'Size classes users can choose: name → {cpu, memory} requests/limits of the pod (Kubernetes quantities).',
    format: K8S_CLASSES,
    default: { small: { cpu: '500m', memory: '512Mi' }, medium: { cpu: '1', memory: '2Gi' }, large: { cpu: '2', memory: '8Gi' } },
  },
  default_class: { doc: 'Class used when a server names none (and gives no cpu/memoryMB).', format: NAME, default: 'small', nullable: true },
  image: {
    repository: { doc: 'PostgreSQL image repository (the official image or one built like it).', format: NAME, default: 'docker.io/library/postgres' },
    tags: {
      doc: 'Supported major versions: major → image tag. The newest major is what `latest` means.',
      format: IMAGE_TAGS,
      default: { '13': '13', '14': '14', '15': '15', '16': '16', '17': '17' },
    },
  },
  storage_class: { doc: 'Storage class of the data volumes; "" = the cluster default.', format: TEXT, default: '' },
  service_type: { doc: 'Type of the Service in front of each server: ClusterIP, NodePort or LoadBalancer.', format: SERVICE_TYPE, default: 'ClusterIP' },
  pvc_cleanup: { doc: 'If true, deleting a server also deletes its persistent volume claim (its data).', format: FLAG, default: false },
  admin_username: { doc: 'Name of the superuser created in each server.', format: ROLE_NAME, default: 'postgres' },
  operator_endpoint: {
    doc: `host:port the OPERATOR uses to reach a server, with {namespace}, {name} and {service} replaced (e.g. a port-forward when running outside the cluster); "" = ${DEFAULT_OPERATOR_ENDPOINT}.`,
    format: ENDPOINT_TEMPLATE,
    default: '',
  },
  // Scheduled logical backups (ADR 0020).
  backup: backupOptions,
  ...limitOptions({ allowed_extensions: COMMON_EXTENSIONS, database_delete_fake: false }),
} satisfies Fragment;

export interface StatefulSetSection extends SectionLimits {
  classes: Record<string, K8sClass>;
  default_class: string | null;
  image: { repository: string; tags: Record<string, string> };
  storage_class: string;
  service_type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  pvc_cleanup: boolean;
  admin_username: string;
  operator_endpoint: string;
  allowed_extensions: string[];
  backup: BackupSection;
}
