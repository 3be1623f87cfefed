import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { SslMode } from '../backends/types.js';

/**
 * The `ssl` option of a `pg` connection for an sslmode, as libpq reads it:
 * - `disable`: plain TCP.
 * - `prefer`: plain TCP. libpq tries TLS first and falls back; `pg` cannot fall back, and a
 *   server that publishes `prefer` is one that may have no TLS at all. SCRAM still keeps the
 *   password off the wire.
 * - `require`: encrypted, certificate not checked.
 * - `verify-ca`: the chain must lead to `caCert` (or the system CAs); any host name.
 * - `verify-full`: as verify-ca, and the certificate must name the host (pg sets `servername`),
 *   or `serverName` when given (the host is then only where the connection goes).
 */
export function sslOptions(sslmode: SslMode, caCert?: string, serverName?: string): false | ConnectionOptions {
  switch (sslmode) {
    case 'disable':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, ...(caCert ? { ca: caCert } : {}), checkServerIdentity: () => undefined };
    case 'verify-full':
      return {
        rejectUnauthorized: true,
        ...(caCert ? { ca: caCert } : {}),
        ...(serverName ? { servername: serverName, checkServerIdentity: (_host: string, cert) => checkServerIdentity(serverName, cert) } : {}),
      };
    default:
      throw new Error(`unknown sslmode "${String(sslmode)}"`);
  }
}
