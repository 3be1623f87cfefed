import { describe, it, expect } from '@jest/globals';
import { applySuccess, backoffRemaining, clearFailure, passwordTag, readState, recordFailure } from './state.js';

describe('readState', () => {
  it('starts empty and drops malformed entries', () => {
    expect(readState(undefined)).toEqual({ ops: [] });
    expect(readState({ ops: [{ kind: 'create', token: '{}', startedAt: 'x' }, { kind: 'update' }, null], managedFirewallRules: ['a'] })).toEqual({
      ops: [{ kind: 'create', token: '{}', startedAt: 'x' }],
      managedFirewallRules: ['a'],
    });
  });
});

describe('passwordTag', () => {
  it('identifies a password without containing it', () => {
    const tag = passwordTag('uid-1', 'Sup3r-Secret-Password');
    expect(tag).toMatch(/^[0-9a-f]{16}$/);
    expect(tag).toBe(passwordTag('uid-1', 'Sup3r-Secret-Password'));
    expect(tag).not.toBe(passwordTag('uid-2', 'Sup3r-Secret-Password'));
  });
});

describe('backoff', () => {
  it('doubles per failure of the same kind and clears on success', () => {
    const s = readState({});
    const t0 = new Date('2026-11-18T10:00:00Z');
    recordFailure(s, { kind: 'create' }, 'boom', t0);
    expect(backoffRemaining(s, 'create', t0)).toBe(60);
    expect(backoffRemaining(s, 'update', t0)).toBe(0);
    recordFailure(s, { kind: 'create' }, 'boom', t0);
    expect(backoffRemaining(s, 'create', new Date(t0.getTime() + 60_000))).toBe(60);
    clearFailure(s, 'create');
    expect(backoffRemaining(s, 'create', t0)).toBe(0);
  });
});

describe('applySuccess', () => {
  it('remembers the form Azure stored a parameter in, and forgets it when it matches again', () => {
    const s = readState({});
    applySuccess(s, { kind: 'parameter', target: 'work_mem', value: '64MB' }, { value: '65536' });
    expect(s.parameterAliases).toEqual({ work_mem: { spec: '64MB', azure: '65536' } });
    applySuccess(s, { kind: 'parameter', target: 'work_mem', value: '8192' }, { value: '8192' });
    expect(s.parameterAliases).toBeUndefined();
  });

  it('records the applied password tag and forgets a removed firewall rule', () => {
    const s = readState({ managedFirewallRules: ['Office', 'vpn'] });
    applySuccess(s, { kind: 'password', value: 'abc' }, undefined);
    applySuccess(s, { kind: 'firewall-delete', target: 'office' }, undefined);
    expect(s).toMatchObject({ passwordApplied: 'abc', managedFirewallRules: ['vpn'] });
  });

  it('gives a changed spec a try at once, whatever the backoff', () => {
    const s = readState({});
    const t0 = new Date('2026-11-18T10:00:00Z');
    recordFailure(s, { kind: 'update', generation: 3 }, 'boom', t0);
    expect(backoffRemaining(s, 'update', t0, 3)).toBe(60);
    expect(backoffRemaining(s, 'update', t0, 4)).toBe(0);
  });
});
