/**
 * What this backend keeps in the CR's `status.backendState` between reconciles: the resume tokens
 * of Azure operations it started (polled on later reconciles, never awaited), the firewall rules it
 * manages, what it learnt about parameter values, and the last failure (for backoff).
 * Never a password: the password operation is identified by a keyed, truncated hash.
 */
import { createHmac } from 'node:crypto';
import type { BackendState } from '../types.js';
import type { ParameterAliases } from './parameters.js';

export type OpKind = 'create' | 'update' | 'password' | 'restart' | 'delete' | 'mark-deleted' | 'firewall-put' | 'firewall-delete' | 'parameter';

export interface PendingOp {
  kind: OpKind;
  /** Firewall rule or parameter name. */
  target?: string;
  /** Parameter value written, or the password tag. */
  value?: string;
  /** `poller.toString()` of the SDK's long-running-operation poller. */
  token: string;
  startedAt: string;
  /** The CR generation the operation was started for (a failure is not held against a newer spec). */
  generation?: number;
}

export interface Failure {
  kind: OpKind;
  target?: string;
  message: string;
  at: string;
  attempts: number;
  generation?: number;
}

/** What names the server in Azure, pinned when the server is first seen (see the backend's `begin`). */
export interface AzureIdentity {
  serverName: string;
  resourceGroup: string;
}

export interface AzureState {
  identity?: AzureIdentity;
  ops: PendingOp[];
  managedFirewallRules?: string[];
  parameterAliases?: ParameterAliases;
  lastFailure?: Failure;
  /** Tag of the admin password last applied by an operation this backend started. */
  passwordApplied?: string;
  /** When this backend last restarted the server (ISO time). */
  lastRestart?: string;
}

export function readState(raw: BackendState | undefined): AzureState {
  const s = (raw ?? {}) as Partial<AzureState>;
  const identity = s.identity && typeof s.identity.serverName === 'string' && typeof s.identity.resourceGroup === 'string' ? { identity: { serverName: s.identity.serverName, resourceGroup: s.identity.resourceGroup } } : {};
  return {
    ...identity,
    ops: Array.isArray(s.ops) ? s.ops.filter((o): o is PendingOp => !!o && typeof o.token === 'string' && typeof o.kind === 'string') : [],
    ...(Array.isArray(s.managedFirewallRules) ? { managedFirewallRules: s.managedFirewallRules.map(String) } : {}),
    ...(s.parameterAliases && typeof s.parameterAliases === 'object' ? { parameterAliases: s.parameterAliases } : {}),
    ...(s.lastFailure && typeof s.lastFailure === 'object' ? { lastFailure: s.lastFailure } : {}),
    ...(typeof s.passwordApplied === 'string' ? { passwordApplied: s.passwordApplied } : {}),
    ...(typeof s.lastRestart === 'string' ? { lastRestart: s.lastRestart } : {}),
  };
}

export function toBackendState(s: AzureState): BackendState {
  return JSON.parse(JSON.stringify(s)) as BackendState;
}

/** Identifies a password without revealing it: HMAC keyed by the CR's uid, 64 bits kept. */
export function passwordTag(uid: string, password: string): string {
  return createHmac('sha256', uid).update(password).digest('hex').slice(0, 16);
}

const BACKOFF_BASE_SECONDS = 60;
const BACKOFF_MAX_SECONDS = 1800;

/**
 * Seconds before a failed operation of this kind may be tried again (0: now). A changed spec
 * (another generation) may be tried at once: the change may be the fix.
 */
export function backoffRemaining(s: AzureState, kind: OpKind, now: Date, generation?: number): number {
  const f = s.lastFailure;
  if (!f || f.kind !== kind) return 0;
  if (f.generation !== undefined && generation !== undefined && f.generation !== generation) return 0;
  const delay = Math.min(BACKOFF_BASE_SECONDS * 2 ** Math.max(0, f.attempts - 1), BACKOFF_MAX_SECONDS);
  return Math.max(0, Math.ceil((Date.parse(f.at) + delay * 1000 - now.getTime()) / 1000));
}

export function recordFailure(s: AzureState, op: Pick<PendingOp, 'kind' | 'target' | 'generation'>, message: string, now: Date): void {
  const attempts = s.lastFailure?.kind === op.kind ? s.lastFailure.attempts + 1 : 1;
  s.lastFailure = { kind: op.kind, ...(op.target ? { target: op.target } : {}), message, at: now.toISOString(), attempts, ...(op.generation !== undefined ? { generation: op.generation } : {}) };
}

export function clearFailure(s: AzureState, kind: OpKind): void {
  if (s.lastFailure?.kind === kind) delete s.lastFailure;
}

/** What a finished operation changes in the state (besides leaving `ops`). */
export function applySuccess(s: AzureState, op: Pick<PendingOp, 'kind' | 'target' | 'value'>, result: unknown): void {
  clearFailure(s, op.kind);
  if (op.kind === 'password' && op.value) s.passwordApplied = op.value;
  const target = op.target;
  if (op.kind === 'firewall-delete' && target) s.managedFirewallRules = (s.managedFirewallRules ?? []).filter((n) => n.toLowerCase() !== target.toLowerCase());
  if (op.kind === 'parameter' && target && op.value !== undefined) {
    // Azure may store a value in its own form (64MB → 65536): remember it so the next compare does not loop.
    const azure = (result as { value?: string } | undefined)?.value;
    const { [target]: _old, ...rest } = s.parameterAliases ?? {};
    s.parameterAliases = azure !== undefined && azure.toLowerCase() !== op.value.toLowerCase() ? { ...rest, [target]: { spec: op.value, azure } } : rest;
    if (!Object.keys(s.parameterAliases).length) delete s.parameterAliases;
  }
}
