import { withAdminSession } from '../admin-session.js';
import type { AdminConnection } from '../../types.js';

/**
 * Whether the certificate file PostgreSQL was started with (a mounted Secret in the pod) holds
 * `certPem` yet: the kubelet updates a mounted Secret within a minute or two. Read-only.
 */
export function mountedCertificateIs(admin: AdminConnection, certPem: string): Promise<boolean> {
  return withAdminSession(admin, async (client) => {
    const file = await client.query<{ pem: string }>("SELECT pg_read_file(current_setting('ssl_cert_file')) AS pem");
    return file.rows[0]?.pem.trim() === certPem.trim();
  });
}

/** Makes PostgreSQL load its certificate files again; open connections keep their session. */
export function reloadConfiguration(admin: AdminConnection): Promise<void> {
  return withAdminSession(admin, async (client) => {
    await client.query('SELECT pg_reload_conf()');
  });
}
