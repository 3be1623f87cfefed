import { describe, it, expect } from '@jest/globals';
import type { Server } from '@azure/arm-postgresql-flexible';
import type { ServerSpec } from '../../api/types.js';
import type { ActualParameter } from './parameters.js';
import { hasWrites, planServer, type PlanInput } from './plan.js';
import { buildCreateBody, desiredServer } from './server-body.js';
import { parseSettings } from './settings.js';

const settings = parseSettings({ subscription_id: '11111111-2222-3333-4444-555555555555', location: 'westeurope', resource_group: 'rg' });
const spec: ServerSpec = { size: { cpu: 2, storageGB: 32 }, maintenance: { window: { weekday: 'Wed', starttime: '03:00' } }, credentialsSecret: 's' };
const desired = desiredServer(spec, { version: '17' }, settings, { namespace: 'a', name: 'b' });
const { administratorLoginPassword: _pw, createMode: _cm, ...created } = buildCreateBody(desired, 'westeurope', 'postgres', 'pw');
const server: Server = { ...created, state: 'Ready' };
const pendingMaxConnections = new Map<string, ActualParameter>([['max_connections', { value: '200', isReadOnly: false, isConfigPendingRestart: true }]]);

function input(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    desired, observed: { server, parameters: pendingMaxConnections }, desiredRules: [], managedRules: [],
    desiredParameters: { max_connections: '200' }, preload: [], aliases: {}, restartPolicy: 'maintenance_window',
    restartRequested: false, now: new Date('2026-11-18T10:00:00Z'), ...extra,
  };
}

describe('planServer', () => {
  it('has no writes when everything matches', () => {
    const plan = planServer(input({ observed: { server, firewall: [], lockPresent: true } }));
    expect(hasWrites(plan)).toBe(false);
    expect(plan.differences).toEqual([]);
  });

  it('asks for the delete lock and the firewall rules', () => {
    const plan = planServer(input({ observed: { server, firewall: [], lockPresent: false }, desiredRules: [{ name: 'o', startIp: '1.1.1.1', endIp: '1.1.1.1' }] }));
    expect(plan.createLock).toBe(true);
    expect(plan.firewall?.put).toHaveLength(1);
    expect(hasWrites(plan)).toBe(true);
  });

  it('says which differences each kind of write addresses (so attempts are counted only for those sent)', () => {
    const plan = planServer(input({
      observed: { server: { ...server, backup: { ...server.backup, backupRetentionDays: 1 } }, firewall: [], lockPresent: false, parameters: new Map([['max_connections', { value: '100', isReadOnly: false, isConfigPendingRestart: false }]]) },
      desiredRules: [{ name: 'o', startIp: '1.1.1.1', endIp: '1.1.1.1' }],
    }));
    expect(plan.groups.server).toEqual(['backup retention 1 → 7 days']);
    expect(plan.groups.lock).toEqual(['delete lock missing']);
    expect(plan.groups.firewall).toEqual(['firewall rule o missing → 1.1.1.1-1.1.1.1']);
    expect(plan.groups.parameter).toEqual(['server parameter max_connections "100" → "200"']);
    expect(plan.differences).toEqual([...plan.groups.server, ...plan.groups.lock, ...plan.groups.firewall, ...plan.groups.parameter]);
  });

  describe('a parameter waiting for a restart', () => {
    it('waits for the maintenance window and says when it opens (Wednesday 03:00 UTC)', () => {
      const plan = planServer(input({ now: new Date('2026-11-18T01:00:00Z') }));
      expect(plan.restart).toBe(false);
      expect(hasWrites(plan)).toBe(false);
      expect(plan.warnings.join()).toMatch(/max_connections waits for a server restart; it restarts in the next maintenance window \(in 2 h\)/);
      expect(plan.lookAgainSeconds).toBe(7200);
    });

    it('restarts inside the window', () => {
      expect(planServer(input({ now: new Date('2026-11-18T03:10:00Z') })).restart).toBe(true);
    });

    it('restarts when the user asks, whatever the policy', () => {
      expect(planServer(input({ restartRequested: true, restartPolicy: 'on_request' })).restart).toBe(true);
    });

    it('only restarts on request with on_request', () => {
      const plan = planServer(input({ restartPolicy: 'on_request', now: new Date('2026-11-18T03:10:00Z') }));
      expect(plan.restart).toBe(false);
      expect(plan.warnings.join()).toMatch(/operator\/action=restart/);
    });

    it('restarts at once with immediate', () => {
      expect(planServer(input({ restartPolicy: 'immediate' })).restart).toBe(true);
    });

    it('never restarts twice in one window', () => {
      const plan = planServer(input({ now: new Date('2026-11-18T03:40:00Z'), lastRestart: '2026-11-18T03:05:00Z' }));
      expect(plan.restart).toBe(false);
    });

    it('asks for the label when the spec has no window', () => {
      const noWindow = desiredServer({ ...spec, maintenance: undefined }, { version: '17' }, settings, { namespace: 'a', name: 'b' });
      const plan = planServer(input({ desired: noWindow, observed: { server: { ...server, maintenanceWindow: noWindow.window }, parameters: pendingMaxConnections } }));
      expect(plan.restart).toBe(false);
      expect(plan.warnings.join()).toMatch(/no maintenance window/);
    });
  });
});
