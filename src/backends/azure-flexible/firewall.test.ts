import { describe, it, expect } from '@jest/globals';
import { desiredRules, firewallRuleProblems, planFirewall } from './firewall.js';

const rule = (name: string, ip: string) => ({ name, startIp: ip, endIp: ip });
const actual = (name: string, ip: string) => ({ name, startIpAddress: ip, endIpAddress: ip });

describe('desiredRules', () => {
  it('joins config and spec rules and adds the Azure services rule', () => {
    const rules = desiredRules([rule('vpn', '10.0.0.1')], [rule('office', '1.2.3.4')], true);
    expect(rules.map((r) => r.name)).toEqual(['vpn', 'office', 'AllowAllWindowsAzureIps']);
  });

  it('lets a spec rule replace a config rule of the same name', () => {
    expect(desiredRules([rule('office', '10.0.0.1')], [rule('Office', '1.2.3.4')], false)).toEqual([rule('Office', '1.2.3.4')]);
  });
});

describe('planFirewall', () => {
  it('puts missing and changed rules and nothing that is in place', () => {
    const plan = planFirewall([rule('a', '1.1.1.1'), rule('b', '2.2.2.2'), rule('c', '3.3.3.3')], [actual('a', '1.1.1.1'), actual('b', '9.9.9.9')], []);
    expect(plan.put.map((r) => r.name)).toEqual(['b', 'c']);
    expect(plan.remove).toEqual([]);
  });

  it('removes only rules it managed before', () => {
    const plan = planFirewall([rule('a', '1.1.1.1')], [actual('a', '1.1.1.1'), actual('old', '4.4.4.4'), actual('portal-rule', '5.5.5.5')], ['a', 'old']);
    expect(plan.remove).toEqual(['old']);
    expect(plan.managed).toEqual(['a']);
  });

  it('has nothing to do when all is in place', () => {
    const plan = planFirewall([rule('a', '1.1.1.1')], [actual('a', '1.1.1.1')], ['a']);
    expect(plan.put).toEqual([]);
    expect(plan.remove).toEqual([]);
  });
});

describe('firewallRuleProblems', () => {
  it('accepts good rules', () => {
    expect(firewallRuleProblems([{ name: 'office-1', startIp: '1.2.3.4', endIp: '1.2.3.10' }], 'x')).toEqual([]);
  });

  it('reports bad names, addresses, order and duplicates', () => {
    const problems = firewallRuleProblems([
      { name: 'bad name', startIp: '1.2.3.4', endIp: '1.2.3.4' },
      { name: 'a', startIp: '1.2.3.400', endIp: '1.2.3.4' },
      { name: 'b', startIp: '1.2.3.9', endIp: '1.2.3.4' },
      { name: 'B', startIp: '1.2.3.4', endIp: '1.2.3.4' },
    ], 'spec.network.firewallRules');
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/\[0\]\.name/);
    expect(problems.join('\n')).toMatch(/\[1\]\.startIp/);
    expect(problems.join('\n')).toMatch(/\[2\]: startIp 1\.2\.3\.9 is after/);
    expect(problems.join('\n')).toMatch(/\[3\]\.name "B" is used twice/);
  });
});
