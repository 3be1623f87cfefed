import { int, str } from '../checks.js';
import { AMOUNT, FLAG, LOG_LEVEL, NAME, NAMESPACE_LIST, POSITIVE, SECONDS, TEXT_LIST } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import type { Fragment } from '../fragment.js';

const PORT = defineFormat({ name: 'tcp-port', kind: 'number', check: int(1, 65535) });
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const OBJECT_NAME = defineFormat({
  name: 'k8s-object-name',
  kind: 'string',
  check: str({ pattern: DNS_SUBDOMAIN, maxLength: 253, hint: 'a Kubernetes object name (lower-case letters, digits, - and .)' }),
});
export const OPTIONAL_NAMESPACE = defineFormat({
  name: 'optional-namespace',
  kind: 'string',
  check: str({ pattern: /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/, maxLength: 63, hint: 'a Kubernetes namespace name or ""' }),
});
/** Top-level options (everything outside `backends`). */
export const common = {
  handler_on_resume: {
    doc: 'If true, every PostgreSQLServer and PostgreSQLDatabase is reconciled when the operator starts, even without changes.',
    format: FLAG,
    default: false,
  },
  backend: {
    doc: 'Default backend for new servers: statefulset, helmbitnami, azurepostgresflexible, awsrds, awsaurora or external.',
    format: NAME,
    default: 'statefulset',
  },
  allowed_backends: {
    doc: 'Backends users may pick with spec.backend; empty = the default backend is always used, whatever the user asks for.',
    format: TEXT_LIST,
    default: [],
  },
  security: {
    password_length: { doc: 'Length of generated passwords (at least 12).', format: POSITIVE, default: 16 },
    password_rotation: {
      interval_days: {
        doc: 'Default days between scheduled password rotations of a database (spec.passwordRotation.intervalDays overrides); null = only on request. Rotations keep the previous login working for grace_minutes (ADR 0016).',
        format: POSITIVE,
        default: null,
        nullable: true,
      },
      grace_minutes: {
        doc: 'Default minutes the previous login of a database keeps working after a rotation before it is revoked (spec.passwordRotation.graceMinutes overrides). Restart applications within this time.',
        format: AMOUNT,
        default: 60,
      },
    },
    special_characters: {
      doc: "Accepted for compatibility with the Python operator's config files; generated passwords always use letters and digits only (safe in every connection string).",
      format: FLAG,
      default: true,
    },
  },
  reconcile: {
    resync_seconds: { doc: 'Seconds between periodic reconciles of every object (repairs drift without events; at least 10).', format: POSITIVE, default: 300 },
    concurrency: { doc: 'Reconciles running at once across all objects (one at a time per object).', format: POSITIVE, default: 10 },
    backoff_base_seconds: { doc: 'First retry delay after a failure, in seconds (fractions allowed); doubled per failure (with jitter) up to backoff_max_seconds.', format: SECONDS, default: 2 },
    backoff_max_seconds: { doc: 'Longest retry delay after repeated failures, in seconds.', format: SECONDS, default: 300 },
    update_attempts: {
      doc: 'Update calls a server gets for one generation while the same setting still differs afterwards; then it is reported NotConverging and the change is not sent again until the spec changes or the label operator/action=retry is set.',
      format: POSITIVE,
      default: 3,
    },
    update_backoff_seconds: {
      doc: 'Wait before the second update attempt of a setting that still differs, in seconds (fractions allowed); doubled for each further attempt.',
      format: SECONDS,
      default: 60,
    },
    cloud_check_seconds: {
      doc: 'How often a Ready, up-to-date server on a cloud backend (azurepostgresflexible, awsrds, awsaurora) is read from the cloud API to find drift; the resyncs in between reuse the last reading. Spec changes, labels and servers not Ready are always read at once. 600 keeps every cloud backend at 12 API calls per server-hour or fewer.',
      format: POSITIVE,
      default: 600,
    },
    drift_check_seconds: {
      doc: 'Seconds between checks that every Ready database and its role still exist (one catalogue query per server; only databases found missing are reconciled, with a Warning event). 0 = off (the resync still repairs them).',
      format: AMOUNT,
      default: 30,
    },
  },
  watch_namespaces: { doc: 'Namespaces to watch; empty = all namespaces.', format: NAMESPACE_LIST, default: [] },
  log_level: { doc: 'Log level: trace, debug, info, warn, error, fatal or silent.', format: LOG_LEVEL, default: 'info' },
  http_port: { doc: 'Port of the HTTP server with /healthz, /readyz and /metrics.', format: PORT, default: 8080 },
  leader_election: {
    enabled: { doc: 'If true, only the replica holding the Lease reconciles; the others stand by. Turn off only with a single replica.', format: FLAG, default: true },
    lease_name: { doc: 'Name of the coordination.k8s.io Lease.', format: OBJECT_NAME, default: 'hybrid-cloud-postgresql-operator' },
    namespace: { doc: "Namespace of the Lease; \"\" = the pod's namespace (POD_NAMESPACE), else the kube context's.", format: OPTIONAL_NAMESPACE, default: '' },
    lease_duration_seconds: { doc: 'How long standbys wait after the last renewal they saw before taking over.', format: POSITIVE, default: 15 },
    renew_deadline_seconds: { doc: 'The leader stops reconciling when it could not renew for this long (less than lease_duration_seconds).', format: POSITIVE, default: 10 },
    retry_period_seconds: { doc: 'Pause between attempts to acquire or renew the Lease (less than renew_deadline_seconds).', format: POSITIVE, default: 2 },
  },
  python_takeover: {
    apply_differences: {
      doc: "Servers taken over from the Python operator keep the settings it chose (SKU family, maintenance weekday, backup retention, Helm chart version and values, ...) wherever this operator would choose differently, until their spec changes; each such setting is reported as an event. If true, they are changed to this operator's choice at the next reconcile instead.",
      format: FLAG,
      default: false,
    },
    operator_namespace: {
      doc: "Namespace the Python operator ran in (its KUBERNETES_NAMESPACE), where it kept the passwords of servers and databases still being created (Secrets pg-…-tmp / pgdb-…-tmp); \"\" = this operator's namespace (POD_NAMESPACE), else default.",
      format: OPTIONAL_NAMESPACE,
      default: '',
    },
  },
  startup_timeout_seconds: {
    doc: 'At start, how long to keep trying to reach the Kubernetes API server before exiting with an error (a pod is then restarted); once started, API outages are retried for as long as they last.',
    format: POSITIVE,
    default: 30,
  },
  shutdown_timeout_seconds: {
    doc: "On SIGTERM, how long reconciles in flight may take to finish (keep it below the pod's terminationGracePeriodSeconds).",
    format: POSITIVE,
    default: 20,
  },
} satisfies Fragment;
