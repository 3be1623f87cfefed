import { createHash } from 'node:crypto';

/**
 * Names of the operator's own Secrets. They keep a copy of each password, so a credentials Secret
 * deleted by hand comes back with the same password and a reset survives a kill at any line.
 */
export const serverStoreName = (server: string): string => bounded(`hybridcloud-pgserver-${server}`);
export const databaseStoreName = (database: string): string => bounded(`hybridcloud-pgdatabase-${database}`);

/** Keys inside a store Secret. */
export const STORE_PASSWORD = 'password';
export const STORE_PENDING = 'pending-password';
/** The login in use, when it is not the role itself (a database after a rotation, ADR 0016). */
export const STORE_LOGIN = 'username';

/** Secret names are DNS subdomains of at most 253 characters: shorten long ones with a hash. */
function bounded(name: string): string {
  if (name.length <= 253) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, 242)}-${hash}`;
}
