import { describe, it, expect } from '@jest/globals';
import type { ServerSpec } from '../../api/types.js';
import { parseSettings } from './settings.js';
import { validateSpec } from './validate.js';

const settings = parseSettings({
  subscription_id: '11111111-2222-3333-4444-555555555555', location: 'westeurope', resource_group: 'rg',
  name_pattern: 'pg-{namespace}-{name}',
  classes: { dev: { name: 'Standard_B1ms', tier: 'Burstable' }, small: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' } },
  default_class: 'dev', cpu_limit: 16, storage_limit_gb: 1024, allowed_extensions: ['pg_trgm', 'timescaledb'],
});
const meta = { namespace: 'team-a', name: 'orders' };
const spec = (extra: Partial<ServerSpec> = {}): ServerSpec => ({ size: { storageGB: 32 }, credentialsSecret: 's', ...extra });
const problems = (s: ServerSpec, m = meta) => {
  const r = validateSpec(s, m, settings);
  return r.ok ? [] : r.problems.map((p) => `${p.reason} ${p.field}: ${p.message}`);
};

describe('validateSpec', () => {
  it('resolves latest to the newest offered major and the default class', () => {
    expect(validateSpec(spec(), meta, settings)).toEqual({ ok: true, resolved: { version: '18', sizeClass: 'dev' } });
    expect(validateSpec(spec({ version: '16.4', size: { class: 'small', storageGB: 64 } }), meta, settings)).toEqual({ ok: true, resolved: { version: '16', sizeClass: 'small' } });
  });

  it('has no class when sized by cpu', () => {
    expect(validateSpec(spec({ size: { cpu: 4, storageGB: 32 } }), meta, settings)).toEqual({ ok: true, resolved: { version: '18' } });
  });

  it('refuses a version Azure does not offer', () => {
    expect(problems(spec({ version: 12 }))).toEqual([expect.stringMatching(/^InvalidSpec spec.version: version "12" is not offered/)]);
  });

  it('refuses unknown classes and sizes over the limits', () => {
    expect(problems(spec({ size: { class: 'huge', storageGB: 32 } }))).toEqual([expect.stringMatching(/^UnknownClass/)]);
    expect(problems(spec({ size: { cpu: 32, storageGB: 2048 } }))).toEqual([
      expect.stringMatching(/^LimitExceeded spec.size.storageGB/),
      expect.stringMatching(/^LimitExceeded spec.size.cpu/),
    ]);
  });

  it('checks backup days, maintenance window and firewall rules', () => {
    expect(problems(spec({ backup: { retentionDays: 3 } }))).toEqual([expect.stringMatching(/7 to 35/)]);
    expect(problems(spec({ maintenance: { window: { weekday: 'Wed', starttime: '25:00' } } }))).toEqual([expect.stringMatching(/starttime/)]);
    expect(problems(spec({ network: { firewallRules: [{ name: 'x', startIp: '1.2.3.4', endIp: 'nope' }] } }))).toEqual([expect.stringMatching(/endIp "nope"/)]);
  });

  it('refuses high availability on Burstable', () => {
    expect(problems(spec({ highavailability: { enabled: true } }))).toEqual([expect.stringMatching(/Burstable/)]);
    expect(problems(spec({ size: { class: 'small', storageGB: 32 }, highavailability: { enabled: true } }))).toEqual([]);
  });

  it('limits extensions to the allow-list and keeps azure.extensions to itself', () => {
    expect(problems(spec({ extensions: ['pg_trgm', 'plv8'] }))).toEqual([expect.stringMatching(/^ExtensionNotAllowed spec.extensions: extension\(s\) plv8/)]);
    expect(problems(spec({ serverParameters: { 'azure.extensions': 'plv8' } }))).toEqual([expect.stringMatching(/use|spec.extensions/)]);
  });

  it('refuses a server name Azure would reject', () => {
    expect(problems(spec(), { namespace: 'team-a', name: 'x'.repeat(60) })).toEqual([expect.stringMatching(/^InvalidName metadata.name/)]);
  });
});
