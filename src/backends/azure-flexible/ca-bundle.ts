import { readFileSync } from 'node:fs';

/**
 * The root CAs that sign Azure Database for PostgreSQL Flexible Server certificates, as Microsoft
 * documents for `sslmode=verify-full` clients: DigiCert Global Root G2, Microsoft RSA Root
 * Certificate Authority 2017 and (for servers not yet rotated) DigiCert Global Root CA.
 * Published to applications as `ca.crt` in the credentials Secrets and used by the operator's own
 * connections. The data lives beside this file in `azure-root-cas.pem` (public certificates; the
 * build copies it into dist); their SHA-256 fingerprints are checked in `ca-bundle.test.ts`.
 */
export const AZURE_CA_BUNDLE = readFileSync(new URL('./azure-root-cas.pem', import.meta.url), 'utf8');
