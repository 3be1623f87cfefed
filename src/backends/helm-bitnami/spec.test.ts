import { describe, it, expect } from '@jest/globals';
import type { ServerSpec } from '../../api/types.js';
import type { HelmBitnamiSection } from '../../config/sections/helmbitnami.js';
import { ignoredSettingsWarning, podResources, validateSpec } from './spec.js';

const settings = (over: Partial<HelmBitnamiSection> = {}): HelmBitnamiSection => ({
  default_class: 'small',
  classes: { small: { cpu: '1000m', memory: '256Mi' }, large: { cpu: '4', memory: '8Gi' } },
  admin_username: 'postgres',
  storage_class: '',
  pvc_cleanup: false,
  chart: 'oci://registry-1.docker.io/bitnamicharts/postgresql',
  chart_version: '17.1.0',
  extra_values: {},
  backup: { enabled: true, schedule: '', retention_days: 7, storage_gb: null, storage_class: '' },
  helm_binary: 'helm',
  helm_timeout_seconds: 300,
  operator_endpoint: '',
  cpu_limit: null,
  memory_limit_mb: null,
  storage_limit_gb: null,
  allowed_extensions: ['pg_trgm'],
  database_delete_fake: false,
  ...over,
});
const spec = (over: Partial<ServerSpec['size']> = {}, rest: Partial<ServerSpec> = {}): ServerSpec => ({ size: { storageGB: 10, ...over }, credentialsSecret: 'c', ...rest });

describe('validateSpec', () => {
  it('resolves latest to the newest major and the default class', () => {
    expect(validateSpec(spec({}, { version: 'latest' }), settings())).toEqual({ ok: true, resolved: { version: '17', sizeClass: 'small' } });
  });

  it('accepts older majors and minor versions', () => {
    expect(validateSpec(spec({ class: 'large' }, { version: '15.4' }), settings())).toEqual({ ok: true, resolved: { version: '15', sizeClass: 'large' } });
  });

  it('refuses an unknown class and an unsupported version', () => {
    const result = validateSpec(spec({ class: 'huge' }, { version: 9 }), settings());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.reason, p.field])).toEqual([
      ['InvalidSpec', 'spec.version'],
      ['UnknownClass', 'spec.size.class'],
    ]);
  });

  it('sizes by cpu/memoryMB when no class is named', () => {
    expect(validateSpec(spec({ cpu: 2, memoryMB: 1024 }), settings())).toEqual({ ok: true, resolved: { version: '17' } });
  });

  it('enforces the admin limits', () => {
    const result = validateSpec(spec({ storageGB: 500 }), settings({ storage_limit_gb: 100 }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.reason).toBe('LimitExceeded');
  });

  it('refuses a storage size that is not a whole number of GB', () => {
    expect(validateSpec(spec({ storageGB: 1.5 }), settings()).ok).toBe(false);
  });
});

describe('podResources', () => {
  it('takes the class', () => {
    expect(podResources(spec(), { version: '17', sizeClass: 'large' }, settings())).toEqual({ cpu: '4', memory: '8Gi' });
  });

  it('maps cpu and memoryMB, with the Python operator defaults for what is missing', () => {
    expect(podResources(spec({ cpu: 0.5, memoryMB: 768 }), { version: '17' }, settings())).toEqual({ cpu: '0.5', memory: '768Mi' });
    expect(podResources(spec(), { version: '17' }, settings({ default_class: null }))).toEqual({ cpu: '1', memory: '256Mi' });
  });

  it('fails clearly when the class in use was removed from the config', () => {
    expect(() => podResources(spec(), { version: '17', sizeClass: 'gone' }, settings())).toThrow(/no longer configured/);
  });
});

describe('server parameters', () => {
  it('are checked against the deny-list and the value grammar', () => {
    expect(validateSpec(spec({}, { serverParameters: { work_mem: '8MB' } }), settings()).ok).toBe(true);
    const result = validateSpec(spec({}, { serverParameters: { shared_preload_libraries: 'evil', work_mem: "8MB'" } }), settings());
    expect(result.ok ? [] : result.problems.map((p) => p.field)).toEqual(['spec.serverParameters.shared_preload_libraries', 'spec.serverParameters.work_mem']);
  });
});

describe('ignoredSettingsWarning', () => {
  it('names the settings this backend does not act on', () => {
    expect(ignoredSettingsWarning(spec())).toBeUndefined();
    expect(ignoredSettingsWarning(spec({}, { highavailability: { enabled: true }, serverParameters: { max_connections: 200 } }))).toBe(
      'helmbitnami does not support spec.highavailability; ignored',
    );
  });
});
