/**
 * Starting and resuming Azure long-running operations without waiting for them. `begin…` sends
 * the initial request; `begin…({ resumeFrom })` polls exactly once. Neither ever awaits
 * `pollUntilDone`: a running operation's token goes to the CR's status and the next reconcile
 * polls it again.
 */
import type { PostgreSQLManagementFlexibleServerClient } from '@azure/arm-postgresql-flexible';
import { isRestError, toBackendError, type ThrottleGate } from './arm-errors.js';
import type { OpKind, PendingOp } from './state.js';

/** The part of the SDK's SimplePollerLike this backend uses. */
export interface Poller {
  isDone(): boolean;
  toString(): string;
  getResult(): unknown;
}

export interface OpTarget {
  resourceGroup: string;
  serverName: string;
}

export type Outcome =
  | { status: 'running'; token: string }
  | { status: 'succeeded'; result: unknown }
  | { status: 'failed'; message: string }
  /** Azure no longer knows the operation (expired or the resource is gone): forget it, observe again. */
  | { status: 'lost' };

type Client = PostgreSQLManagementFlexibleServerClient;

function resume(client: Client, t: OpTarget, op: PendingOp, updateIntervalInMs: number): Promise<Poller> {
  const o = { resumeFrom: op.token, updateIntervalInMs };
  const { resourceGroup: rg, serverName: name } = t;
  const target = op.target ?? '';
  // The request bodies below are never sent: a resumed poller only polls.
  switch (op.kind) {
    case 'create':
      return client.servers.beginCreateOrUpdate(rg, name, { location: '' }, o);
    case 'update':
    case 'password':
    case 'mark-deleted':
      return client.servers.beginUpdate(rg, name, {}, o);
    case 'restart':
      return client.servers.beginRestart(rg, name, o);
    case 'delete':
      return client.servers.beginDelete(rg, name, o);
    case 'firewall-put':
      return client.firewallRules.beginCreateOrUpdate(rg, name, target, { startIpAddress: '', endIpAddress: '' }, o);
    case 'firewall-delete':
      return client.firewallRules.beginDelete(rg, name, target, o);
    case 'parameter':
      return client.configurations.beginPut(rg, name, target, {}, o);
  }
}

function outcomeOf(poller: Poller): Outcome {
  return poller.isDone() ? { status: 'succeeded', result: poller.getResult() } : { status: 'running', token: poller.toString() };
}

/** Polls a pending operation once. HTTP faults (429, 5xx, network) throw and leave the token as it was. */
export async function pollOnce(client: Client, t: OpTarget, op: PendingOp, gate: ThrottleGate, intervalMs: number): Promise<Outcome> {
  gate.check();
  try {
    return outcomeOf(await resume(client, t, op, intervalMs));
  } catch (err) {
    if (isRestError(err)) {
      if (err.statusCode === 404) return { status: 'lost' };
      throw toBackendError(err, `polling the ${op.kind} operation on server ${t.serverName}`, gate);
    }
    // The poller throws a plain Error when Azure reports the operation Failed or Canceled.
    return { status: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}

/** Sends the initial request of an operation; faults become backend errors (never raw RestErrors). */
export async function start(what: string, gate: ThrottleGate, begin: () => Promise<Poller>): Promise<Outcome> {
  gate.check();
  try {
    return outcomeOf(await begin());
  } catch (err) {
    if (isRestError(err)) throw toBackendError(err, what, gate);
    return { status: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}

export function newOp(kind: OpKind, token: string, now: Date, extra: { target?: string; value?: string; generation?: number } = {}): PendingOp {
  return { kind, ...extra, token, startedAt: now.toISOString() };
}
