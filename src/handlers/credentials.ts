import type { Endpoint } from '../backends/types.js';

export interface CredentialsInput {
  endpoint: Endpoint;
  database: string;
  username: string;
  password: string;
  /** CA bundle the client needs to verify the server (cloud backends). */
  caCert?: string;
}

/**
 * libpq's own variable names, so a pod can take the Secret with `envFrom` and any libpq-based
 * client (psql, pg_dump, psycopg, pgx, node-postgres) connects with no settings of its own.
 * `PGSSLROOTCERT` is left out on purpose: it is a file path inside the consuming pod, which only
 * the pod spec knows (where it mounts `ca.crt`). A wrong guess would break verify-ca/verify-full
 * logins with "root certificate file does not exist"; a credentials template can add it with the
 * path the team chooses.
 */
export const LIBPQ_KEYS = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE'] as const;

/** Every key the operator writes itself; a credentials template may not use these. */
export const BUILT_IN_KEYS: readonly string[] = ['hostname', 'host', 'port', 'dbname', 'username', 'password', 'sslmode', 'uri', 'jdbc-url', 'ca.crt', ...LIBPQ_KEYS];

/**
 * The keys of a credentials Secret. `hostname` is what the reference documents and `host` what its
 * code wrote: both are kept so apps written against either keep working. `uri` and `jdbc-url` are
 * ready-made connection strings; the `PG*` keys are libpq's environment variables.
 */
export function credentialsData(input: CredentialsInput): Record<string, string> {
  const { endpoint, database, username, password } = input;
  const data: Record<string, string> = {
    hostname: endpoint.host,
    host: endpoint.host,
    port: String(endpoint.port),
    dbname: database,
    username,
    password,
    sslmode: endpoint.sslmode,
    uri: connectionUri(input),
    'jdbc-url': jdbcUrl(input),
    PGHOST: endpoint.host,
    PGPORT: String(endpoint.port),
    PGDATABASE: database,
    PGUSER: username,
    PGPASSWORD: password,
    PGSSLMODE: endpoint.sslmode,
  };
  if (input.caCert) data['ca.crt'] = input.caCert;
  return data;
}

/** Only where the server is: for servers whose admin credentials must not be published. */
export function endpointData(endpoint: Endpoint, caCert?: string): Record<string, string> {
  const data: Record<string, string> = {
    hostname: endpoint.host,
    host: endpoint.host,
    port: String(endpoint.port),
    sslmode: endpoint.sslmode,
    PGHOST: endpoint.host,
    PGPORT: String(endpoint.port),
    PGSSLMODE: endpoint.sslmode,
  };
  if (caCert) data['ca.crt'] = caCert;
  return data;
}

export function connectionUri({ endpoint, database, username, password }: CredentialsInput): string {
  return `postgresql://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${endpoint.host}:${endpoint.port}/${encodeURIComponent(database)}?sslmode=${endpoint.sslmode}`;
}

export function jdbcUrl({ endpoint, database, username, password }: CredentialsInput): string {
  return `jdbc:postgresql://${endpoint.host}:${endpoint.port}/${encodeURIComponent(database)}?user=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}&sslmode=${endpoint.sslmode}`;
}
