import { Reason } from '../api/conditions.js';
import type { OwnerReference } from '../api/types.js';
import { PermanentError } from '../backends/errors.js';
import { generatePassword } from '../util/password.js';
import type { SecretRead, SecretStore } from './secret-store.js';
import { STORE_NOT_APPLIED, STORE_PASSWORD, STORE_PENDING } from './names.js';

export interface PasswordScope {
  namespace: string;
  /** The operator's own store Secret for this CR. */
  storeName: string;
  /** The user's credentials Secret (checked by the caller: never foreign here). */
  credentials: SecretRead;
  owner: OwnerReference;
  labels: Record<string, string>;
  length: number;
}

export interface StoredPassword {
  password: string;
  /** A reset in progress: this password is being applied. */
  pending?: string;
  /** `generated`: nobody knew a password before (a new object, or every copy was lost). */
  source: 'store' | 'credentials' | 'generated';
  /**
   * Generated and stored, but not yet known to be in PostgreSQL: it must be set even when the role
   * exists (a kill may have come between storing and applying it).
   */
  unapplied: boolean;
  store: SecretRead;
}

/**
 * The current password of a CR, stored before any use: the store Secret, else the credentials
 * Secret (objects that came from the Python operator, or a lost store), else a new one from crypto.
 */
export async function loadPassword(secrets: SecretStore, scope: PasswordScope): Promise<StoredPassword> {
  const store = await secrets.read(scope.namespace, scope.storeName, scope.owner.uid);
  if (store.kind === 'foreign') {
    throw new PermanentError(`Secret ${scope.storeName} is reserved for the operator but belongs to ${store.owner}`, Reason.SecretConflict);
  }
  if (store.kind === 'owned' && store.data[STORE_PASSWORD]) {
    const data = store.data;
    return { password: data[STORE_PASSWORD] as string, pending: data[STORE_PENDING] || undefined, source: 'store', unapplied: data[STORE_NOT_APPLIED] === 'true', store };
  }
  const published = scope.credentials.kind === 'owned' ? scope.credentials.data.password : undefined;
  const password = published || generatePassword(scope.length);
  const data: Record<string, string> = published ? { [STORE_PASSWORD]: password } : { [STORE_PASSWORD]: password, [STORE_NOT_APPLIED]: 'true' };
  await secrets.write(scope.namespace, scope.storeName, scope.owner, data, scope.labels, store);
  return { password, source: published ? 'credentials' : 'generated', unapplied: !published, store: { kind: 'owned', data } };
}

/** The generated password is in PostgreSQL now: drop the not-applied mark. */
export async function markApplied(secrets: SecretStore, scope: PasswordScope, current: StoredPassword): Promise<void> {
  if (!current.unapplied) return;
  await secrets.write(scope.namespace, scope.storeName, scope.owner, { [STORE_PASSWORD]: current.password }, scope.labels, current.store);
}

/** Starts a reset: keeps a new pending password next to the current one (once; reused after a kill). */
export async function beginReset(secrets: SecretStore, scope: PasswordScope, current: StoredPassword): Promise<string> {
  if (current.pending) return current.pending;
  const pending = generatePassword(scope.length);
  await secrets.write(scope.namespace, scope.storeName, scope.owner, { [STORE_PASSWORD]: current.password, [STORE_PENDING]: pending }, scope.labels, current.store);
  return pending;
}

/** The pending password was applied: it becomes the current one. */
export async function completeReset(secrets: SecretStore, scope: PasswordScope, current: StoredPassword, applied: string): Promise<void> {
  const store: SecretRead = { kind: 'owned', data: { [STORE_PASSWORD]: current.password, [STORE_PENDING]: applied } };
  await secrets.write(scope.namespace, scope.storeName, scope.owner, { [STORE_PASSWORD]: applied }, scope.labels, store);
}
