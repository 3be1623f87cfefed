import { Reason } from '../api/conditions.js';
import type { Adoption, Condition, ObjectMeta, PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import type { LoginProof } from '../postgres/index.js';
import type { HandlerDeps } from './deps.js';
import { ensureFinalizer } from './object-ops.js';
import { storeProvenPassword, type PasswordScope, type StoredPassword } from './password-store.js';
import { clientFor, failWith } from './reporting.js';
import type { UnownedSecret } from './secret-store.js';
import { ADOPT_UNPROVEN_ANNOTATION, adoptionRecord, fromPythonOperator, optedInUnproven, pythonOperatorMarks, pythonOperatorNamespace, pythonTmpSecretName } from './takeover.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  status?: { conditions?: Condition[]; observedGeneration?: number; adoption?: Adoption; deployment?: unknown };
}

/**
 * A credentials Secret nobody owns: taken over when the Python operator handled the CR and the
 * Secret logs in (`proof`), or — when it cannot be proven at all (`proof` unreachable or absent) —
 * when the CR opts in with the annotation. Otherwise SecretConflict naming the way out. Nothing
 * is applied to PostgreSQL or the cloud: the password is taken into the store, the Secret gets its
 * ownerReference and label, its data stays as it is.
 */
export interface AdoptionCandidate {
  scope: PasswordScope;
  secretName: string;
  unowned: UnownedSecret;
  /** The login with the Secret's password; absent when there was no server to log in to. */
  proof?: LoginProof;
  /** Who logged in, for messages (`pyadmin`, `role app`). */
  whom: string;
}

export async function adoptUnownedSecret<T extends Obj>(deps: HandlerDeps, obj: T, { scope, secretName, unowned, proof, whom }: AdoptionCandidate): Promise<StoredPassword> {
  const kind = obj.kind;
  if (!fromPythonOperator(obj)) {
    return failWith(
      deps,
      obj,
      Reason.SecretConflict,
      `Secret ${secretName} belongs to nobody (created outside the operator) and this ${kind} shows no sign of the Python operator (no kopf finalizer or annotation, no status.deployment), so it is not taken over; choose another spec.credentialsSecret`,
    );
  }
  const password = unowned.data.password;
  if (!password) return failWith(deps, obj, Reason.SecretConflict, `Secret ${secretName} (left by the Python operator) has no password key; it is not taken over; choose another spec.credentialsSecret`);
  let how: string;
  if (proof?.result === 'ok') {
    how = `proof: it logs in as ${whom}`;
  } else if (proof?.result === 'refused') {
    return failWith(
      deps,
      obj,
      Reason.SecretConflict,
      `Secret ${secretName} (left by the Python operator) does not log in as ${whom} (${proof.detail}), so it is not taken over; correct its password, or choose another spec.credentialsSecret (a new password is then set and published there)`,
    );
  } else if (optedInUnproven(obj)) {
    how = `without proof, as the annotation ${ADOPT_UNPROVEN_ANNOTATION}=true asks (${proof ? proof.detail : 'the server does not exist'})`;
  } else {
    return failWith(
      deps,
      obj,
      Reason.SecretConflict,
      `Secret ${secretName} (left by the Python operator) cannot be proven by a login as ${whom}: ${proof ? proof.detail : 'the server does not exist'}; it is proven once the server answers, or annotate this ${kind} with ${ADOPT_UNPROVEN_ANNOTATION}=true to take it over without proof`,
    );
  }
  const stored = await storeProvenPassword(deps.secrets, scope, password);
  await deps.secrets.adopt(scope.namespace, secretName, scope.owner, scope.labels, unowned.resourceVersion);
  await deps.events.record(obj, proof?.result === 'ok' ? 'Normal' : 'Warning', 'SecretAdopted', `Secret ${secretName} left by the Python operator taken over (${how}); its values are kept`);
  return stored;
}

/**
 * Records the takeover once (status.adoption) and replaces kopf's finalizer by ours. Idempotent:
 * after a kill between the two, the next reconcile's ensureFinalizer does the swap.
 */
export async function recordTakeover<T extends Obj>(deps: HandlerDeps, obj: T): Promise<T> {
  const client = clientFor(deps, obj);
  const adoption = adoptionRecord(obj);
  const marks = pythonOperatorMarks(obj).join(', ');
  const updated = await client.patchStatus(obj.metadata.namespace, obj.metadata.name, { adoption });
  const swapped = { ...(await ensureFinalizer(client, { ...updated, kind: obj.kind })), kind: obj.kind };
  await deps.events.record(obj, 'Normal', 'TakenOver', `taken over from the Python operator (${marks}); kopf's finalizer replaced`);
  return swapped;
}

/** The password the Python operator kept for a CR still being created (its tmp Secret), if any. */
export function tmpPasswordOf(deps: HandlerDeps, kind: 'server' | 'database', namespace: string, name: string): () => Promise<string | undefined> {
  return async () => (await deps.secrets.peek(pythonOperatorNamespace(deps.config), pythonTmpSecretName(kind, namespace, name)))?.password || undefined;
}

/** Why a credentials Secret that is not ours is refused. */
export function secretConflictMessage(obj: PostgreSQLServer | PostgreSQLDatabase, owner: string): string {
  const secret = obj.spec.credentialsSecret;
  if (owner.startsWith('nobody') && !fromPythonOperator(obj)) {
    return `Secret ${secret} belongs to nobody (created outside the operator) and this ${obj.kind} shows no sign of the Python operator (no kopf finalizer or annotation, no status.deployment), so it is not taken over; choose another spec.credentialsSecret`;
  }
  return `Secret ${secret} belongs to ${owner}; choose another spec.credentialsSecret`;
}
