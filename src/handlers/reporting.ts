import type { Condition, ObjectMeta } from '../api/types.js';
import { PermanentError } from '../backends/errors.js';
import type { BackendState } from '../backends/types.js';
import type { ReasonName } from '../api/conditions.js';
import type { CustomResourceClient } from '../k8s/custom-resources.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import type { HandlerDeps } from './deps.js';
import { writeStatus } from './object-ops.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  status?: { conditions?: Condition[]; observedGeneration?: number };
}

/** The API client for the object's kind. */
export function clientFor<T extends Obj>(deps: HandlerDeps, obj: T): CustomResourceClient<T> {
  const byKind: Record<string, unknown> = { PostgreSQLServer: deps.servers, PostgreSQLDatabase: deps.databases, PostgreSQLTable: deps.tables };
  return byKind[obj.kind] as CustomResourceClient<T>;
}

/** PermanentErrors failWith has already put on the object (reportFailure must not repeat them). */
const reported = new WeakSet<Error>();

/**
 * Bad input or an environment the user must fix: Ready=False with the reason, a Warning event on
 * the transition, and a PermanentError so the queue waits for a change instead of retrying hot.
 */
export async function failWith<T extends Obj>(deps: HandlerDeps, obj: T, reason: ReasonName, message: string, fields?: Record<string, unknown>): Promise<never> {
  const { reasonChanged, changed } = await writeStatus(clientFor(deps, obj), obj, { status: 'False', reason, message, fields });
  if (reasonChanged || changed) await deps.events.record(obj, 'Warning', reason, message);
  const err = new PermanentError(message, reason);
  reported.add(err);
  throw err;
}

/** Work under way: Ready=False with the reason, and look again later. */
export async function reportPending<T extends Obj>(
  deps: HandlerDeps,
  obj: T,
  reason: ReasonName,
  message: string,
  retryAfterSeconds: number,
  backendState?: BackendState,
  eventReason?: string,
  /** Other status fields to write alongside (e.g. the server's update attempts). */
  extra?: Record<string, unknown>,
): Promise<ReconcileOutcome> {
  const fields = backendState || extra ? { ...(backendState ? { backendState } : {}), ...extra } : undefined;
  const { reasonChanged } = await writeStatus(clientFor(deps, obj), obj, { status: 'False', reason, message, fields });
  if (eventReason && reasonChanged) await deps.events.record(obj, 'Normal', eventReason, message);
  return { requeueAfterSeconds: Math.max(1, retryAfterSeconds) };
}

/**
 * Any failure failWith has not reported yet is reported on the object: Ready=False with the
 * PermanentError's reason, or BackendError for faults that may pass (network, API server, backend),
 * and the message; the caller rethrows so the queue retries with backoff. Never a silent failure.
 */
export async function reportFailure<T extends Obj>(deps: HandlerDeps, obj: T | undefined, err: unknown): Promise<void> {
  if (!obj || isConflictError(err) || (err instanceof PermanentError && reported.has(err))) return;
  // A PermanentError thrown without failWith (a helper deep in the reconcile) keeps its reason.
  const reason = err instanceof PermanentError ? err.reason : 'BackendError';
  const message = errorMessage(err);
  try {
    const { reasonChanged } = await writeStatus(clientFor(deps, obj), obj, { status: 'False', reason, message });
    if (reasonChanged) await deps.events.record(obj, 'Warning', reason, message);
  } catch {
    // Reporting is best effort: the retry will report again.
  }
}

/** A 409 from our own optimistic-concurrency write: normal, retried at once without noise. */
function isConflictError(err: unknown): boolean {
  return (err as { code?: number })?.code === 409;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const body = (err as { body?: unknown }).body;
    const apiMessage = typeof body === 'string' ? safeJson(body)?.message : (body as { message?: string } | undefined)?.message;
    return apiMessage ? `${err.message.split('\n')[0]}: ${apiMessage}` : err.message;
  }
  return String(err);
}

function safeJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text) as { message?: string };
  } catch {
    return undefined;
  }
}
