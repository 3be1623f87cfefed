import { describe, expect, it } from '@jest/globals';
import type { ServerSpec } from '../../api/types.js';
import { normalizeSection } from './config.js';
import { unsupportedFeatures, validateSpec } from './validation.js';

const section = normalizeSection({
  region: 'eu-central-1',
  classes: {
    small: { instance_type: 'db.m5.large' },
    serverless: { instance_type: 'db.serverless', scaling_configuration: { min_capacity: 0.5, max_capacity: 2 } },
  },
  default_class: 'small',
  storage_limit_gb: 500,
  allowed_extensions: ['postgis', 'pg_trgm'],
});
const meta = { namespace: 'default', name: 'orders' };
const spec = (overrides: Partial<ServerSpec> = {}): ServerSpec => ({ size: { storageGB: 20 }, credentialsSecret: 's', ...overrides });
const problems = (kind: 'rds' | 'aurora', s: ServerSpec, sec = section) => {
  const result = validateSpec(kind, s, meta, sec);
  return result.ok ? [] : result.problems.map((p) => `${p.reason} ${p.field}`);
};

describe('validateSpec', () => {
  it('resolves the default class and latest version', () => {
    expect(validateSpec('rds', spec(), meta, section)).toEqual({ ok: true, resolved: { sizeClass: 'small', version: '17' } });
    expect(validateSpec('rds', spec({ version: '15.4', size: { storageGB: 20, class: 'small' } }), meta, section)).toEqual({ ok: true, resolved: { sizeClass: 'small', version: '15' } });
  });

  it('needs a class: cpu and memory do not size AWS servers', () => {
    const noDefault = normalizeSection({ ...section, default_class: null });
    expect(problems('rds', spec({ size: { storageGB: 20, cpu: 2, memoryMB: 4096 } }), noDefault)).toEqual(['UnknownClass spec.size.class']);
    expect(problems('rds', spec({ size: { storageGB: 20, class: 'huge' } }))).toEqual(['UnknownClass spec.size.class']);
  });

  it('checks limits, storage bounds, versions, retention, windows and extensions', () => {
    expect(problems('rds', spec({ size: { storageGB: 600 } }))).toEqual(['LimitExceeded spec.size.storageGB']);
    expect(problems('rds', spec({ size: { storageGB: 10 } }))).toEqual(['InvalidSpec spec.size.storageGB']);
    expect(problems('rds', spec({ version: 12 }))).toEqual(['InvalidSpec spec.version']);
    expect(problems('rds', spec({ backup: { retentionDays: 36 } }))).toEqual(['InvalidSpec spec.backup.retentionDays']);
    expect(problems('rds', spec({ backup: { retentionDays: 0 } }))).toEqual([]);
    expect(problems('rds', spec({ maintenance: { window: { weekday: 'Mon', starttime: '25:00' } } }))).toEqual(['InvalidSpec spec.maintenance.window']);
    expect(problems('rds', spec({ extensions: ['postgis', 'plv8'] }))).toEqual(['ExtensionNotAllowed spec.extensions']);
  });

  it('applies Aurora rules: retention of at least a day, no RDS storage bounds, room for the writer suffix', () => {
    expect(problems('aurora', spec({ backup: { retentionDays: 0 }, size: { storageGB: 10, class: 'serverless' } }))).toEqual(['InvalidSpec spec.backup.retentionDays']);
    const longName = { namespace: 'default', name: 'x'.repeat(50) };
    const result = validateSpec('aurora', spec({ size: { storageGB: 20, class: 'serverless' } }), longName, section);
    expect(result.ok ? [] : result.problems.map((p) => p.reason)).toEqual(['InvalidName']);
    expect(validateSpec('rds', spec(), longName, section).ok).toBe(true);
  });

  it('knows the minimum sizes of provisioned-IOPS volumes', () => {
    const volumes = normalizeSection({ ...section, classes: { io: { instance_type: 'db.m5.large', storage_type: 'io1', iops: 3000 }, gp3: { instance_type: 'db.m5.large', storage_type: 'gp3', iops: 12000 } } });
    expect(problems('rds', spec({ size: { storageGB: 50, class: 'io' } }), volumes)).toEqual(['InvalidSpec spec.size.storageGB']);
    expect(problems('rds', spec({ size: { storageGB: 100, class: 'io' } }), volumes)).toEqual([]);
    expect(problems('rds', spec({ size: { storageGB: 200, class: 'gp3' } }), volumes)).toEqual(['InvalidSpec spec.size.storageGB']);
    expect(problems('rds', spec({ size: { storageGB: 400, class: 'gp3' } }), volumes)).toEqual([]);
  });

  it('keeps serverless classes to Aurora and requires their capacity range', () => {
    expect(problems('rds', spec({ size: { storageGB: 20, class: 'serverless' } }))).toEqual(['InvalidSpec spec.size.class']);
    const broken = normalizeSection({ ...section, classes: { s: { instance_type: 'db.serverless' } }, default_class: 's' });
    expect(problems('aurora', spec(), broken)).toEqual(['InvalidSpec spec.size.class']);
  });

  it('reports an identifier RDS would refuse', () => {
    const badPattern = normalizeSection({ ...section, name_pattern: '{namespace}--{name}' });
    expect(problems('rds', spec(), badPattern)).toEqual(['InvalidName metadata.name']);
  });

  it('lists spec features AWS ignores', () => {
    const s = spec({ network: { firewallRules: [{ name: 'a', startIp: '1.1.1.1', endIp: '1.1.1.1' }] }, serverParameters: { work_mem: '4MB' }, backup: { geoRedundant: true }, highavailability: { enabled: true } });
    expect(unsupportedFeatures('rds', s)).toHaveLength(3);
    expect(unsupportedFeatures('aurora', s)).toHaveLength(4);
    expect(unsupportedFeatures('rds', spec({ size: { storageGB: 20, cpu: 2 } }))).toEqual(['cpu and memoryMB are ignored on AWS (servers are sized by class)']);
  });
});
