import { readFileSync } from 'node:fs';

/**
 * Amazon RDS's global CA bundle: the root CAs (RSA2048, RSA4096 and ECC384 "G1" for every
 * commercial region) that sign RDS and Aurora server certificates. Clients need it for
 * `sslmode=verify-full`; it is published as `ca.crt` in the credentials Secrets.
 *
 * The data lives beside this file in `rds-global-bundle.pem`, a public, unmodified download of
 * https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem (the build copies it into
 * dist). The roots are valid until 2061 (RSA2048) and 2121 (RSA4096/ECC384); a unit test fails if
 * one is malformed or expires. Refresh by replacing the file with a newer download; admins can also
 * point `ca_bundle_file` in the config at another bundle (e.g. GovCloud or China regions).
 */
export const RDS_GLOBAL_CA_BUNDLE = readFileSync(new URL('./rds-global-bundle.pem', import.meta.url), 'utf8');
