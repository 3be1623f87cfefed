/**
 * Pure: from the desired server and what Azure reports (server, firewall rules, parameters, lock),
 * the list of writes due, in the order `update` performs them, with human-readable differences and
 * warnings. Nothing due means nothing is written.
 */
import type { Server, ServerForPatch } from '@azure/arm-postgresql-flexible';
import type { FirewallRule } from '../../api/types.js';
import { describeFirewallPlan, planFirewall, type ActualRule, type FirewallPlan } from './firewall.js';
import { msUntilWindow, WINDOW_MINUTES } from './maintenance.js';
import { planParameters, type ActualParameter, type ParameterAliases, type ParameterPlan } from './parameters.js';
import { diffServer, type DesiredServer } from './server-body.js';
import type { RestartPolicy } from './settings.js';

export interface Observed {
  server: Server;
  /** Undefined when firewall rules are not managed (private access). */
  firewall?: ActualRule[];
  /** Undefined when the spec manages no parameter. */
  parameters?: Map<string, ActualParameter>;
  /** Undefined when no delete lock is wanted. */
  lockPresent?: boolean;
}

export interface PlanInput {
  desired: DesiredServer;
  observed: Observed;
  desiredRules: FirewallRule[];
  managedRules: readonly string[];
  desiredParameters: Record<string, string>;
  preload: readonly string[];
  aliases: ParameterAliases;
  restartPolicy: RestartPolicy;
  /** The user asked for a restart (label `operator/action: restart`). */
  restartRequested: boolean;
  /** When this backend last restarted the server (to never restart twice in one window). */
  lastRestart?: string;
  now: Date;
}

export interface Plan {
  createLock: boolean;
  serverPatch?: ServerForPatch;
  firewall?: FirewallPlan;
  parameters?: ParameterPlan;
  restart: boolean;
  differences: string[];
  /** The differences each kind of write in `update` addresses (the handler counts attempts per difference). */
  groups: { server: string[]; lock: string[]; firewall: string[]; parameter: string[]; restart: string[] };
  warnings: string[];
  /** Seconds until something is due without a change (a maintenance window opening). */
  lookAgainSeconds?: number;
}

function restartDecision(input: PlanInput, pending: string[]): { due: boolean; warning?: string; lookAgainSeconds?: number } {
  if (!pending.length) return { due: false };
  const what = `${pending.join(', ')} ${pending.length === 1 ? 'waits' : 'wait'} for a server restart`;
  const ask = 'add the label operator/action=restart to restart now';
  const recentlyRestarted = input.lastRestart !== undefined && input.now.getTime() - Date.parse(input.lastRestart) < WINDOW_MINUTES * 60_000;
  if (recentlyRestarted) return { due: false, warning: `${what} (restarted recently)` };
  if (input.restartRequested || input.restartPolicy === 'immediate') return { due: true };
  if (input.restartPolicy === 'on_request') return { due: false, warning: `${what}; ${ask}` };
  const ms = msUntilWindow(input.desired.window, input.now);
  if (ms === 0) return { due: true };
  if (ms === undefined) return { due: false, warning: `${what}; the spec has no maintenance window: ${ask}` };
  const hours = Math.round(ms / 360_000) / 10;
  return { due: false, warning: `${what}; it restarts in the next maintenance window (in ${hours} h) or ${ask}`, lookAgainSeconds: Math.ceil(ms / 1000) };
}

export function planServer(input: PlanInput): Plan {
  const diff = diffServer(input.desired, input.observed.server);
  const groups: Plan['groups'] = { server: [...diff.differences], lock: [], firewall: [], parameter: [], restart: [] };
  const plan: Plan = { createLock: false, restart: false, differences: [...diff.differences], groups, warnings: [...diff.warnings] };
  if (diff.patch) plan.serverPatch = diff.patch;
  if (input.observed.lockPresent === false) {
    plan.createLock = true;
    groups.lock.push('delete lock missing');
  }
  if (input.observed.firewall) {
    const fw = planFirewall(input.desiredRules, input.observed.firewall, input.managedRules);
    groups.firewall.push(...describeFirewallPlan(fw, input.observed.firewall));
    plan.firewall = fw;
  }
  if (input.observed.parameters) {
    const params = planParameters(input.desiredParameters, input.preload, input.observed.parameters, input.aliases);
    plan.parameters = params;
    groups.parameter.push(...params.put.map((p) => `server parameter ${p.name} "${p.current}" → "${p.value}"`));
    if (params.unknown.length) plan.warnings.push(`unknown server parameter(s): ${params.unknown.join(', ')}`);
    if (params.readOnly.length) plan.warnings.push(`read-only server parameter(s) cannot be set: ${params.readOnly.join(', ')}`);
    const restart = restartDecision(input, params.pendingRestart);
    if (restart.warning) plan.warnings.push(restart.warning);
    if (restart.lookAgainSeconds !== undefined) plan.lookAgainSeconds = restart.lookAgainSeconds;
    if (restart.due) {
      plan.restart = true;
      groups.restart.push(`restart to apply ${params.pendingRestart.join(', ')}`);
    }
  }
  plan.differences = [...groups.server, ...groups.lock, ...groups.firewall, ...groups.parameter, ...groups.restart];
  return plan;
}

/** Whether the plan has writes for `update` (the firewall's `managed` list alone is no write). */
export function hasWrites(plan: Plan): boolean {
  return plan.createLock || !!plan.serverPatch || !!plan.firewall?.put.length || !!plan.firewall?.remove.length || !!plan.parameters?.put.length || plan.restart;
}
