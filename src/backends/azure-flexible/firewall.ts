/**
 * Declarative firewall rules: the config's rules, the spec's rules and (when configured) Azure's
 * "allow Azure services" rule. Rules this operator created and no longer wants are removed; rules
 * someone else created are left alone (the operator remembers the names it manages in its state).
 */
import type { FirewallRule } from '../../api/types.js';
import { AZURE_SERVICES_RULE } from './naming.js';

export interface ActualRule {
  name: string;
  startIpAddress: string;
  endIpAddress: string;
}

export interface FirewallPlan {
  put: FirewallRule[];
  remove: string[];
  /** The names the operator manages once the plan is done. */
  managed: string[];
}

const key = (name: string) => name.toLowerCase();

export function desiredRules(configRules: readonly FirewallRule[], specRules: readonly FirewallRule[] | undefined, allowAzureServices: boolean): FirewallRule[] {
  const byName = new Map<string, FirewallRule>();
  // Spec rules after config rules: a user's rule of the same name wins (as in the reference).
  for (const rule of [...configRules, ...(specRules ?? []), ...(allowAzureServices ? [AZURE_SERVICES_RULE] : [])]) {
    byName.set(key(rule.name), { name: rule.name, startIp: rule.startIp, endIp: rule.endIp });
  }
  return [...byName.values()];
}

export function planFirewall(desired: readonly FirewallRule[], actual: readonly ActualRule[], managedBefore: readonly string[]): FirewallPlan {
  const actualByName = new Map(actual.map((r) => [key(r.name), r]));
  const wanted = new Set(desired.map((r) => key(r.name)));
  const put = desired.filter((r) => {
    const a = actualByName.get(key(r.name));
    return !a || a.startIpAddress !== r.startIp || a.endIpAddress !== r.endIp;
  });
  const remove = managedBefore.filter((n) => !wanted.has(key(n)) && actualByName.has(key(n))).map((n) => actualByName.get(key(n))!.name);
  return { put, remove, managed: desired.map((r) => r.name).sort() };
}

/** Each rule to set or remove as Azure reports it and as wanted, e.g. `firewall rule office missing → 1.2.3.4-1.2.3.4`. */
export function describeFirewallPlan(plan: FirewallPlan, actual: readonly ActualRule[]): string[] {
  const actualByName = new Map(actual.map((r) => [key(r.name), r]));
  const seen = (name: string) => {
    const a = actualByName.get(key(name));
    return a ? `${a.startIpAddress}-${a.endIpAddress}` : 'missing';
  };
  return [
    ...plan.put.map((r) => `firewall rule ${r.name} ${seen(r.name)} → ${r.startIp}-${r.endIp}`),
    ...plan.remove.map((n) => `firewall rule ${n} ${seen(n)} → removed`),
  ];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** Problems with a list of rules (names as Azure allows them, IPv4 ranges in order, unique names). */
export function firewallRuleProblems(rules: readonly FirewallRule[], field: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `${field}[${i}]`;
    if (!/^[-\w.]{1,128}$/.test(rule.name ?? '')) problems.push(`${at}.name "${rule.name}" may only contain letters, digits, '-', '_' and '.' (1-128 characters)`);
    if (seen.has(key(rule.name ?? ''))) problems.push(`${at}.name "${rule.name}" is used twice`);
    seen.add(key(rule.name ?? ''));
    const validStart = IPV4.test(rule.startIp ?? '');
    const validEnd = IPV4.test(rule.endIp ?? '');
    if (!validStart) problems.push(`${at}.startIp "${rule.startIp}" is not an IPv4 address`);
    if (!validEnd) problems.push(`${at}.endIp "${rule.endIp}" is not an IPv4 address`);
    if (validStart && validEnd && ipToNumber(rule.startIp) > ipToNumber(rule.endIp)) problems.push(`${at}: startIp ${rule.startIp} is after endIp ${rule.endIp}`);
  });
  return problems;
}
