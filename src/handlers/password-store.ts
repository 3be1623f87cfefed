import { Reason } from '../api/conditions.js';
import type { OwnerReference } from '../api/types.js';
import { PermanentError } from '../backends/errors.js';
import { isAlreadyExists } from '../k8s/clients.js';
import { generatePassword } from '../util/password.js';
import type { SecretRead, SecretStore } from './secret-store.js';
import { STORE_LOGIN, STORE_PASSWORD, STORE_PENDING } from './names.js';

export interface PasswordScope {
  namespace: string;
  /** The operator's own store Secret for this CR. */
  storeName: string;
  /** The user's credentials Secret (checked by the caller: never foreign here). */
  credentials: SecretRead;
  owner: OwnerReference;
  labels: Record<string, string>;
  length: number;
  /**
   * For a CR the Python operator handled, whose server or role may already exist with a password
   * nobody here knows: where a password may be found when no Secret holds one (its tmp Secret).
   * Whatever password is then chosen is stored as pending too, so it is applied before it is
   * published (the reset protocol): a password the server does not have is never published.
   */
  takeover?: { recover(): Promise<string | undefined> };
  /**
   * A database role's second login (ADR 0016): when the credentials Secret names it, the store
   * lost after a rotation is rebuilt with it as the current login (else the owner would be
   * published with the second login's password).
   */
  secondLogin?: string;
}

export interface StoredPassword {
  password: string;
  /** A reset in progress: this password is being applied. */
  pending?: string;
  /** `generated`: nobody knew a password before (a new object, or every copy was lost). */
  source: 'store' | 'credentials' | 'generated' | 'python-tmp';
  store: SecretRead;
  /** Every key of the store Secret: a rotation keeps its state beside the password (password-rotation.ts). */
  record: Record<string, string>;
}

/**
 * The current password of a CR, stored before any use: the store Secret, else the credentials
 * Secret (a lost store, or one taken over from the Python operator), else — for a CR the Python
 * operator handled — its tmp Secret's password, else a new one from crypto.
 */
export async function loadPassword(secrets: SecretStore, scope: PasswordScope, fresh = false): Promise<StoredPassword> {
  // The store Secret is always labelled, so the cache knows it: a new object costs no 404 read.
  const store = await secrets.read(scope.namespace, scope.storeName, scope.owner.uid, { trustCache: !fresh });
  if (store.kind === 'foreign') {
    throw new PermanentError(`Secret ${scope.storeName} is reserved for the operator but belongs to ${store.owner}`, Reason.SecretConflict);
  }
  const stored = store.kind === 'owned' ? store.data[STORE_PASSWORD] : undefined;
  if (stored && store.kind === 'owned') return fromRecord(store.data, 'store');
  const { password, pending, source, login } = await firstPassword(scope);
  const data: Record<string, string> = { [STORE_PASSWORD]: password, ...(pending ? { [STORE_PENDING]: pending } : {}), ...(login ? { [STORE_LOGIN]: login } : {}) };
  try {
    await secrets.write(scope.namespace, scope.storeName, scope.owner, data, scope.labels, store);
  } catch (err) {
    // It exists after all (the cache was behind, or someone else made it): read it from the API
    // server and start over; the password just generated was never used.
    if (!fresh && isAlreadyExists(err)) return loadPassword(secrets, scope, true);
    throw err;
  }
  return fromRecord(data, source);
}

/**
 * The password a CR starts with when nothing is stored: the published one; for a CR the Python
 * operator handled, its tmp Secret's or a new one, pending (applied before it is published);
 * else a new one.
 */
async function firstPassword(scope: PasswordScope): Promise<Pick<StoredPassword, 'password' | 'pending' | 'source'> & { login?: string }> {
  const published = scope.credentials.kind === 'owned' ? scope.credentials.data : undefined;
  if (published?.password) {
    const login = scope.secondLogin && published.username === scope.secondLogin ? scope.secondLogin : undefined;
    return { password: published.password, source: 'credentials', login };
  }
  if (!scope.takeover) return { password: generatePassword(scope.length), source: 'generated' };
  const recovered = await scope.takeover.recover();
  const password = recovered || generatePassword(scope.length);
  return { password, pending: password, source: recovered ? 'python-tmp' : 'generated' };
}

function fromRecord(record: Record<string, string>, source: StoredPassword['source']): StoredPassword {
  return { password: record[STORE_PASSWORD] ?? '', pending: record[STORE_PENDING] || undefined, source, store: { kind: 'owned', data: record }, record };
}

/**
 * Replaces the store's record (every key; those left out are removed) and returns what is stored
 * now. Each step of a reset or a rotation is one such write, so a kill leaves a record that says
 * exactly how far it got.
 */
export async function writeStore(secrets: SecretStore, scope: PasswordScope, current: StoredPassword, record: Record<string, string>): Promise<StoredPassword> {
  await secrets.write(scope.namespace, scope.storeName, scope.owner, record, scope.labels, current.store);
  return fromRecord(record, 'store');
}

/** Starts a reset: keeps a new pending password next to the current one (once; reused after a kill). */
export async function beginReset(secrets: SecretStore, scope: PasswordScope, current: StoredPassword): Promise<string> {
  if (current.pending) return current.pending;
  const pending = generatePassword(scope.length);
  await writeStore(secrets, scope, current, { ...current.record, [STORE_PASSWORD]: current.password, [STORE_PENDING]: pending });
  return pending;
}

/** The pending password was applied: it becomes the current one (`extra` replaces other keys of the record). */
export async function completeReset(
  secrets: SecretStore,
  scope: PasswordScope,
  current: StoredPassword,
  applied: string,
  extra: { set?: Record<string, string>; remove?: string[] } = {},
): Promise<StoredPassword> {
  const before = fromRecord({ ...current.record, [STORE_PASSWORD]: current.password, [STORE_PENDING]: applied }, 'store');
  const { [STORE_PENDING]: _applied, ...rest } = before.record;
  for (const key of extra.remove ?? []) delete rest[key];
  return writeStore(secrets, scope, before, { ...rest, ...extra.set, [STORE_PASSWORD]: applied });
}

/** A password proven by a login (a Secret taken over from the Python operator) becomes the stored one. */
export async function storeProvenPassword(secrets: SecretStore, scope: PasswordScope, password: string): Promise<StoredPassword> {
  const store = await secrets.read(scope.namespace, scope.storeName, scope.owner.uid);
  if (store.kind === 'foreign') {
    throw new PermanentError(`Secret ${scope.storeName} is reserved for the operator but belongs to ${store.owner}`, Reason.SecretConflict);
  }
  const data = { [STORE_PASSWORD]: password };
  await secrets.write(scope.namespace, scope.storeName, scope.owner, data, scope.labels, store);
  return fromRecord(data, 'store');
}
