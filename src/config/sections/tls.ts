import { oneOf, str } from '../checks.js';
import { AMOUNT, FLAG, POSITIVE, SECONDS } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import type { Fragment } from '../fragment.js';
import { OBJECT_NAME, OPTIONAL_NAMESPACE } from './common.js';

/** How long the operator's CA is valid: ten years. */
export const CA_VALIDITY_DAYS = 3650;

const ISSUER_KIND = defineFormat({ name: 'cert-manager-issuer-kind', kind: 'string', check: oneOf(['Issuer', 'ClusterIssuer']) });
const OPTIONAL_OBJECT_NAME = defineFormat({
  name: 'optional-k8s-object-name',
  kind: 'string',
  check: str({ pattern: /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/, maxLength: 253, hint: 'a Kubernetes object name or ""' }),
});
const API_GROUP = defineFormat({
  name: 'api-group',
  kind: 'string',
  check: str({ pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, maxLength: 253, hint: 'an API group such as cert-manager.io' }),
});

/**
 * `tls`: how the in-cluster backends (statefulset, helmbitnami) serve TLS. One CA for both: the
 * operator makes it once and keeps it in a Secret in its own namespace; every server gets a
 * certificate for its Service names signed by it — or, with `issuer.name` set, by a cert-manager
 * Issuer/ClusterIssuer through a `Certificate` per server (ADR 0022). Cloud backends bring their
 * own certificates.
 */
export const tls = {
  enabled: {
    doc: 'If true, in-cluster servers (statefulset, helmbitnami) serve TLS with a certificate from the operator\'s CA, and their credentials Secrets carry sslmode verify-full and ca.crt. Servers that exist keep what they run until their spec changes (or apply_to_existing is set).',
    format: FLAG,
    default: true,
  },
  require_tls: {
    doc: 'If true (and enabled), pg_hba of new in-cluster servers refuses clients that do not use TLS.',
    format: FLAG,
    default: true,
  },
  apply_to_existing: {
    doc: 'If true, in-cluster servers created before TLS was enabled (or with other TLS settings) switch to enabled/require_tls at the next reconcile, instead of when their spec next changes. Switching rolls the pod.',
    format: FLAG,
    default: false,
  },
  ca_secret: { doc: 'Name of the Secret holding the operator\'s CA (certificate and key), created once if absent.', format: OBJECT_NAME, default: 'hybrid-cloud-postgresql-operator-ca' },
  namespace: { doc: "Namespace of the CA Secret; \"\" = the operator pod's namespace (POD_NAMESPACE), else \"default\".", format: OPTIONAL_NAMESPACE, default: '' },
  certificate_days: { doc: 'Validity of each server certificate, in days.', format: POSITIVE, default: 365 },
  renew_before_days: { doc: 'A server certificate is renewed this many days before it expires (PostgreSQL reloads it without a restart).', format: POSITIVE, default: 30 },
  // CA rotation (ADR 0024): the CA Secret's annotation hybridcloud.maibornwolff.de/rotate, or the CA's expiry, starts it.
  ca_renew_before_days: { doc: 'The operator\'s CA (valid ten years) is rotated automatically this many days before it expires, as if an admin had asked for it (annotation hybridcloud.maibornwolff.de/rotate on the CA Secret).', format: POSITIVE, default: 365 },
  ca_rotation_grace_hours: {
    doc: 'CA rotation: hours between its stages. Once every credentials and certificate Secret trusts both CAs, applications have this long to load the new ca.crt before servers present certificates of the new CA; after that, every server has moved and this long again has passed before the old CA leaves the bundles. Fractions allowed.',
    format: AMOUNT,
    default: 168,
  },
  ca_rotation_check_seconds: { doc: 'How often the leading replica looks at the CA Secret to start or move on a CA rotation.', format: SECONDS, default: 60 },
  issuer: {
    name: {
      doc: 'Name of a cert-manager Issuer or ClusterIssuer that signs the server certificates instead of the operator\'s CA: each in-cluster server gets a cert-manager Certificate (cert-manager.io/v1) writing its certificate Secret, and cert-manager renews it. The issuer must put ca.crt into the Secret (CA, Vault and self-signed issuers do). "" = the operator\'s own CA.',
      format: OPTIONAL_OBJECT_NAME,
      default: '',
    },
    kind: { doc: 'Issuer (in the server\'s namespace, so one per namespace with servers) or ClusterIssuer.', format: ISSUER_KIND, default: 'ClusterIssuer' },
    group: { doc: 'API group of the issuer (cert-manager.io; another for external issuers such as awspca.cert-manager.io).', format: API_GROUP, default: 'cert-manager.io' },
    ready_timeout_seconds: {
      doc: 'How long a Certificate may stay not Ready before the server\'s Ready condition and a Warning event give cert-manager\'s reason (until then the server waits quietly for the issuance).',
      format: POSITIVE,
      default: 300,
    },
  },
} satisfies Fragment;

export interface TlsSettings {
  enabled: boolean;
  require_tls: boolean;
  apply_to_existing: boolean;
  ca_secret: string;
  namespace: string;
  certificate_days: number;
  renew_before_days: number;
  ca_renew_before_days: number;
  ca_rotation_grace_hours: number;
  ca_rotation_check_seconds: number;
  issuer: IssuerSettings;
}

/** `tls.issuer`: a cert-manager issuer; an empty name means the operator's own CA. */
export interface IssuerSettings {
  name: string;
  kind: 'Issuer' | 'ClusterIssuer';
  group: string;
  ready_timeout_seconds: number;
}
