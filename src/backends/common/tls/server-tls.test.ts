import { describe, expect, it } from '@jest/globals';
import type { TlsSettings } from '../../../config/sections/tls.js';
import { chooseServerTls, hbaConfig, trustedCaBundle, withTls } from './server-tls.js';

const settings = (over: Partial<TlsSettings> = {}): TlsSettings => ({
  enabled: true, require_tls: true, apply_to_existing: false, ca_secret: 'ca', namespace: '', certificate_days: 365, renew_before_days: 30, ca_renew_before_days: 365, ca_rotation_grace_hours: 168, ca_rotation_check_seconds: 60,
  issuer: { name: '', kind: 'ClusterIssuer', group: 'cert-manager.io', ready_timeout_seconds: 300 }, ...over,
});

describe('the TLS choice of a server', () => {
  it('takes the config for a new server', () => {
    expect(chooseServerTls({ state: {}, generation: 1 }, settings(), undefined)).toEqual({ enabled: true, require: true, generation: 1 });
    expect(chooseServerTls({ state: {}, generation: 1 }, settings({ require_tls: false }), undefined)).toMatchObject({ enabled: true, require: false });
    expect(chooseServerTls({ state: {}, generation: 1 }, settings({ enabled: false }), undefined)).toMatchObject({ enabled: false, require: false });
  });

  it('keeps what an existing server without a record runs, until the spec changes', () => {
    const running = { enabled: false, require: false };
    const first = chooseServerTls({ state: {}, generation: 4 }, settings(), running);
    expect(first).toEqual({ enabled: false, require: false, generation: 4 });
    const state = withTls({}, first);
    expect(chooseServerTls({ state, generation: 4 }, settings(), undefined)).toMatchObject({ enabled: false });
    expect(chooseServerTls({ state, generation: 5 }, settings(), undefined)).toMatchObject({ enabled: true, require: true, generation: 5 });
  });

  it('switches at once when the admin opts in', () => {
    const state = withTls({}, { enabled: false, require: false, generation: 4 });
    expect(chooseServerTls({ state, generation: 4 }, settings({ apply_to_existing: true }), undefined)).toMatchObject({ enabled: true, require: true });
    expect(chooseServerTls({ state: {}, generation: 4 }, settings({ apply_to_existing: true }), { enabled: false, require: false })).toMatchObject({ enabled: true });
  });

  it('is not flipped by a config change without a spec change; follows the generation otherwise', () => {
    const state = withTls({}, { enabled: true, require: true, generation: 1, serial: 'ab' });
    expect(chooseServerTls({ state, generation: 1 }, settings({ enabled: false }), undefined)).toMatchObject({ enabled: true, serial: 'ab' });
    // A spec change with the same config moves the recorded generation, so a later config change waits again.
    const moved = chooseServerTls({ state, generation: 2 }, settings(), undefined);
    expect(moved).toEqual({ enabled: true, require: true, generation: 2, serial: 'ab' });
    expect(chooseServerTls({ state: withTls(state, moved), generation: 2 }, settings({ require_tls: false }), undefined)).toMatchObject({ require: true });
  });

  it('writes pg_hba that refuses plain TCP only when TLS is required', () => {
    expect(hbaConfig({ enabled: true, require: true })).toMatch(/hostssl all all all md5\nhost all all all reject/);
    expect(hbaConfig({ enabled: true, require: false })).toMatch(/\nhost all all all md5\n$/);
  });

  it('records the issuer with the choice: a new issuer in the config moves a server only at its next spec change, keeping what it serves', () => {
    const issuer = { name: 'platform-ca', kind: 'ClusterIssuer' as const, group: 'cert-manager.io', ready_timeout_seconds: 300 };
    const state = withTls({}, { enabled: true, require: true, generation: 1, serial: 'ab', ca: 'OLD CA' });
    expect(chooseServerTls({ state, generation: 1 }, settings({ issuer }), undefined)).not.toHaveProperty('issuer');
    expect(chooseServerTls({ state, generation: 2 }, settings({ issuer }), undefined)).toEqual({
      enabled: true, require: true, generation: 2, serial: 'ab', ca: 'OLD CA', issuer: { name: 'platform-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
    expect(chooseServerTls({ state: {}, generation: 1 }, settings({ issuer: { ...issuer, name: '' } }), undefined)).not.toHaveProperty('issuer');
  });

  it('trusts the CA still served beside the new one until the server serves the new certificate', () => {
    expect(trustedCaBundle('NEW', { ca: 'NEW' })).toBe('NEW');
    expect(trustedCaBundle('NEW', {})).toBe('NEW');
    expect(trustedCaBundle('NEW\n', { ca: 'OLD\n' })).toBe('NEW\nOLD\n');
  });
});
