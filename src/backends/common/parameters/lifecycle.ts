/**
 * spec.serverParameters of an in-cluster server, through SQL: ALTER SYSTEM and pg_reload_conf()
 * apply reloadable parameters without a restart; parameters PostgreSQL reads only at start
 * (pg_settings.context 'postmaster') wait for a restart, which is due in the maintenance window,
 * at once with `operator/action: restart`, or at once when the server has no window. How the pod
 * restarts is the backend's (a token in its pod template or its chart values).
 */
import { randomBytes } from 'node:crypto';
import { Reason } from '../../../api/conditions.js';
import { SqlState, sqlState } from '../../../postgres/errors.js';
import { PermanentError } from '../../errors.js';
import type { AdminConnection, BackendState, ServerContext } from '../../types.js';
import { withAdminSession } from '../admin-session.js';
import { holdForWindow, type WindowHold } from '../maintenance-window.js';
import { normalizeParameters } from './rules.js';
import { applyParameters, readParameters } from './sql.js';

export const PARAMETERS_DIFF = 'server parameters';
export const RESTART_DIFF = 'restart';

export interface ParameterState {
  /** A new token restarts the pod. */
  restartToken?: string;
  /** The restart asked for by `operator/action: restart` was done (cleared once the label is gone). */
  restartDone?: boolean;
  /**
   * The operator wrote parameters into this server (or one still waits for a restart): it keeps
   * looking at the server even when the spec has none left. Servers that never had any are not
   * logged into for this at all.
   */
  applied?: boolean;
}

/** The restart the label operator/action=restart asks for was done (while the label stays). */
export function restartDone(ctx: Pick<ServerContext, 'state'>): boolean {
  return ((ctx.state.parameterState ?? {}) as ParameterState).restartDone === true;
}

/**
 * The state with the restart token the running pod template carries, when the state does not
 * record it: an operator killed (or failed) between rolling the pod and writing the status. That
 * restart was made; sending the recorded token again would roll the pod a second time. With the
 * label operator/action=restart set, it is taken as the restart the label asks for.
 */
export function withRunningRestartToken(ctx: Pick<ServerContext, 'state' | 'requestedAction'>, running: unknown): BackendState {
  const own = (ctx.state.parameterState ?? {}) as ParameterState;
  if (typeof running !== 'string' || !running || running === own.restartToken) return ctx.state;
  return { ...ctx.state, parameterState: { ...own, restartToken: running, ...(ctx.requestedAction === 'restart' ? { restartDone: true } : {}) } };
}

/** The current restart token of a server, if it was ever restarted by the operator. */
export function restartToken(ctx: Pick<ServerContext, 'state'>): string | undefined {
  return ((ctx.state.parameterState ?? {}) as ParameterState).restartToken;
}

export interface ParameterObservation {
  differences: string[];
  warning?: string;
  /** A restart that waits for the maintenance window (for `status.maintenance`). */
  held?: WindowHold;
  state: BackendState;
}

/**
 * Read-only look at the running server: parameters to write, a restart that is due, or one that
 * waits for the window (held, and looked at again when it opens). Unknown names are terminal.
 */
export async function observeParameters(ctx: ServerContext, admin: AdminConnection, denied: readonly string[], now = new Date()): Promise<ParameterObservation> {
  const own = (ctx.state.parameterState ?? {}) as ParameterState;
  let state = ctx.state;
  // The label is gone: the restart it asked for is history.
  if (own.restartDone && ctx.requestedAction !== 'restart') state = { ...state, parameterState: { ...own, restartDone: undefined } };
  if (ctx.requestedAction === 'restart' && !own.restartDone) return { differences: [`${RESTART_DIFF} (operator/action)`], state };
  const desired = normalizeParameters(ctx.spec.serverParameters);
  if (Object.keys(desired).length === 0 && !own.applied) return { differences: [], state };
  let reading: Awaited<ReturnType<typeof readParameters>>;
  try {
    reading = await withAdminSession(admin, (c) => readParameters(c, desired, denied));
  } catch (err) {
    // E.g. an adopted server whose Secret does not log in: its own condition says so elsewhere.
    if (sqlState(err) !== SqlState.InvalidPassword) throw err;
    return { differences: [], state, warning: 'server parameters not checked: the stored admin password does not log in' };
  }
  if (reading.unknown.length) {
    const list = reading.unknown.map((u) => `${u.name}${u.similar.length ? ` (PostgreSQL knows e.g. ${u.similar.join(', ')})` : ''}`).join('; ');
    throw new PermanentError(`spec.serverParameters: PostgreSQL does not know ${list}; SELECT name FROM pg_settings lists them all`, Reason.InvalidSpec);
  }
  const changed = [...reading.toSet, ...reading.toReset];
  if (changed.length) return { differences: [`${PARAMETERS_DIFF} (${changed.join(', ')})`], state };
  if (!reading.pendingRestart.length) {
    // Nothing set and nothing waiting: no need to look again until the spec has parameters.
    if (Object.keys(desired).length === 0 && own.applied) state = { ...state, parameterState: { ...own, applied: undefined } };
    return { differences: [], state };
  }
  const held = holdForWindow(ctx.spec, [`restart for ${reading.pendingRestart.join(', ')}`], now);
  if (!held) return { differences: [`${RESTART_DIFF} (${reading.pendingRestart.join(', ')} need one)`], state };
  return { differences: [], state, held };
}

/** Writes the parameters (reloading PostgreSQL); the restart, if one is due, comes next round. */
export async function applyServerParameters(ctx: ServerContext, admin: AdminConnection, denied: readonly string[]): Promise<{ pendingRestart: string[]; state: BackendState }> {
  const desired = normalizeParameters(ctx.spec.serverParameters);
  const pendingRestart = await withAdminSession(admin, async (c) => applyParameters(c, desired, await readParameters(c, desired, denied)));
  const own = (ctx.state.parameterState ?? {}) as ParameterState;
  return { pendingRestart, state: { ...ctx.state, parameterState: { ...own, applied: true } } };
}

/** The state for a restart: a new token (rolls the pod), and the label's request marked done. */
export function restartState(ctx: ServerContext): BackendState {
  const own = (ctx.state.parameterState ?? {}) as ParameterState;
  return { ...ctx.state, parameterState: { ...own, restartToken: randomBytes(6).toString('hex'), ...(ctx.requestedAction === 'restart' ? { restartDone: true } : {}) } };
}
