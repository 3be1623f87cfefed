import type pg from 'pg';
import type { TLSSocket } from 'node:tls';
import { openSession } from '../../src/postgres/session.js';
import type { SslMode } from '../../src/backends/types.js';

/**
 * Logs in with a credentials Secret's values as an application would, with its sslmode and
 * ca.crt (verify-full checks the certificate names the Secret's host). The Secret names the
 * in-cluster Service; the test reaches the same server on loopback.
 */
export async function loginWithSecret(data: Record<string, string>, pgPort: number, override: { sslmode?: SslMode; ca?: string } = {}): Promise<pg.Client> {
  return openSession(
    {
      host: '127.0.0.1',
      port: pgPort,
      user: data.username ?? '',
      password: data.password ?? '',
      database: data.dbname ?? '',
      sslmode: (override.sslmode ?? data.sslmode) as SslMode,
      caCert: override.ca ?? data['ca.crt'],
      tlsServerName: data.host,
    },
    { connectTimeoutMillis: 5000 },
  );
}

/** The serial number of the certificate the server presented to this client. */
export function peerCertificateSerial(client: pg.Client): string {
  const stream = (client as unknown as { connection: { stream: TLSSocket } }).connection.stream;
  return stream.getPeerCertificate().serialNumber;
}
