import { Reason } from '../api/conditions.js';
import type { OwnerReference } from '../api/types.js';
import { PermanentError } from '../backends/errors.js';
import { isAlreadyExists } from '../k8s/clients.js';
import { generatePassword } from '../util/password.js';
import type { SecretRead, SecretStore } from './secret-store.js';
import { STORE_PASSWORD, STORE_PENDING } from './names.js';

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
  store: SecretRead;
}

/**
 * The current password of a CR, stored before any use: the store Secret, else the credentials
 * Secret (objects that came from the Python operator, or a lost store), else a new one from crypto.
 */
export async function loadPassword(secrets: SecretStore, scope: PasswordScope, fresh = false): Promise<StoredPassword> {
  // The store Secret is always labelled, so the cache knows it: a new object costs no 404 read.
  const store = await secrets.read(scope.namespace, scope.storeName, scope.owner.uid, { trustCache: !fresh });
  if (store.kind === 'foreign') {
    throw new PermanentError(`Secret ${scope.storeName} is reserved for the operator but belongs to ${store.owner}`, Reason.SecretConflict);
  }
  const stored = store.kind === 'owned' ? store.data[STORE_PASSWORD] : undefined;
  if (stored) return { password: stored, pending: store.kind === 'owned' ? store.data[STORE_PENDING] || undefined : undefined, source: 'store', store };
  const published = scope.credentials.kind === 'owned' ? scope.credentials.data.password : undefined;
  const password = published || generatePassword(scope.length);
  try {
    await secrets.write(scope.namespace, scope.storeName, scope.owner, { [STORE_PASSWORD]: password }, scope.labels, store);
  } catch (err) {
    // It exists after all (the cache was behind, or someone else made it): read it from the API
    // server and start over; the password just generated was never used.
    if (!fresh && isAlreadyExists(err)) return loadPassword(secrets, scope, true);
    throw err;
  }
  return { password, source: published ? 'credentials' : 'generated', store: { kind: 'owned', data: { [STORE_PASSWORD]: password } } };
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
