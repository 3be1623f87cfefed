import pg from 'pg';
import type { TLSSocket } from 'node:tls';
import { sslOptions } from '../../src/postgres/tls.js';
import type { SslMode } from '../../src/backends/types.js';

/**
 * Logs in with a credentials Secret's values as an application would, with its sslmode and
 * ca.crt (verify-full checks the certificate names the Secret's host). The Secret names the
 * in-cluster Service; the test reaches the same server on loopback.
 */
export async function loginWithSecret(data: Record<string, string>, pgPort: number, override: { sslmode?: SslMode; ca?: string } = {}): Promise<pg.Client> {
  const sslmode = (override.sslmode ?? data.sslmode) as SslMode;
  const client = new pg.Client({
    host: '127.0.0.1',
    port: pgPort,
    user: data.username,
    password: data.password,
    database: data.dbname,
    ssl: sslOptions(sslmode, override.ca ?? data['ca.crt'], data.host),
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** The serial number of the certificate the server presented to this client. */
export function peerCertificateSerial(client: pg.Client): string {
  const stream = (client as unknown as { connection: { stream: TLSSocket } }).connection.stream;
  return stream.getPeerCertificate().serialNumber;
}
