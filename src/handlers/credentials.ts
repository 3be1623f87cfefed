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
 * The keys of a credentials Secret. `hostname` is what the reference documents and `host` what its
 * code wrote: both are kept so apps written against either keep working. `uri` and `jdbc-url` are
 * ready-made connection strings.
 */
export function credentialsData(input: CredentialsInput): Record<string, string> {
  const { endpoint, database, username, password } = input;
  const hostPort = `${endpoint.host}:${endpoint.port}`;
  const ssl = `sslmode=${endpoint.sslmode}`;
  const data: Record<string, string> = {
    hostname: endpoint.host,
    host: endpoint.host,
    port: String(endpoint.port),
    dbname: database,
    username,
    password,
    sslmode: endpoint.sslmode,
    uri: `postgresql://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${hostPort}/${encodeURIComponent(database)}?${ssl}`,
    'jdbc-url': `jdbc:postgresql://${hostPort}/${encodeURIComponent(database)}?user=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}&${ssl}`,
  };
  if (input.caCert) data['ca.crt'] = input.caCert;
  return data;
}

/** Only where the server is: for servers whose admin credentials must not be published. */
export function endpointData(endpoint: Endpoint, caCert?: string): Record<string, string> {
  const data: Record<string, string> = { hostname: endpoint.host, host: endpoint.host, port: String(endpoint.port), sslmode: endpoint.sslmode };
  if (caCert) data['ca.crt'] = caCert;
  return data;
}
