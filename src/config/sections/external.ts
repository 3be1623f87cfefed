import { int, listOf, mapOf, oneOf, shape, str } from '../checks.js';
import { COMMON_EXTENSIONS, EXTENSION_LIST, FLAG } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import type { Fragment } from '../fragment.js';

/**
 * `backends.external`: PostgreSQL servers that exist already (a central server, RDS, Azure, Cloud
 * SQL) and that the operator only creates databases in. Servers are named either by a Secret in the
 * PostgreSQLServer's namespace (`spec.external.adminSecretRef`) or here, by the platform team, so
 * that application teams can use a server whose admin credentials they never see.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

const EXTERNAL_SERVERS = defineFormat({
  name: 'external-servers',
  kind: 'object',
  check: mapOf(
    shape({
      host: { check: str({ nonEmpty: true, maxLength: 253, pattern: /^[A-Za-z0-9.:_-]+$/, hint: 'a host name or IP address' }), required: true },
      port: { check: int(1, 65535) },
      sslmode: { check: oneOf(SSL_MODES) },
      admin_secret: { check: str({ pattern: DNS_SUBDOMAIN, maxLength: 253, hint: 'a Secret name in secrets_namespace' }), required: true },
      namespaces: { check: listOf(str({ pattern: DNS_LABEL, maxLength: 63, hint: 'a namespace name' })) },
    }),
    { key: str({ pattern: DNS_LABEL, maxLength: 63, hint: 'a name like central-pg' }) },
  ),
});

const OPTIONAL_NAMESPACE = defineFormat({
  name: 'external-secrets-namespace',
  kind: 'string',
  check: str({ pattern: /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/, maxLength: 63, hint: 'a Kubernetes namespace name or ""' }),
});

export const external = {
  servers: {
    doc:
      'Existing servers the platform team offers: name → {host, port (5432), sslmode (verify-full), admin_secret, namespaces}. ' +
      'admin_secret names a Secret in secrets_namespace with the keys username, password and optionally ca.crt and dbname; ' +
      'namespaces (optional) lists the namespaces whose PostgreSQLServer may name the server with spec.external.server (empty = every watched namespace). ' +
      'Its admin credentials are never copied out of secrets_namespace.',
    format: EXTERNAL_SERVERS,
    default: {},
  },
  secrets_namespace: {
    doc: 'Namespace of the admin Secrets named in servers; "" = the operator pod\'s namespace (POD_NAMESPACE).',
    format: OPTIONAL_NAMESPACE,
    default: '',
  },
  allowed_extensions: {
    doc: 'PostgreSQL extensions a PostgreSQLDatabase may create on an external server (spec.database.extensions).',
    format: EXTENSION_LIST,
    default: [...COMMON_EXTENSIONS],
  },
  database_delete_fake: {
    doc: 'If true (the default for servers the operator did not create), deleting a PostgreSQLDatabase keeps the database and its role in the server.',
    format: FLAG,
    default: true,
  },
} satisfies Fragment;

export interface ExternalServerEntry {
  host: string;
  port?: number;
  sslmode?: (typeof SSL_MODES)[number];
  admin_secret: string;
  namespaces?: string[];
}

export interface ExternalSection {
  servers: Record<string, ExternalServerEntry>;
  secrets_namespace: string;
  allowed_extensions: string[];
  database_delete_fake: boolean;
}
