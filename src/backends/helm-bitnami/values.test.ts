import { describe, it, expect } from '@jest/globals';
import { buildReleaseValues, deepMerge, valueAt, type ReleaseValuesInput } from './values.js';

const input = (over: Partial<ReleaseValuesInput> = {}): ReleaseValuesInput => ({
  release: 'demoteam-postgresql',
  imageTag: '17',
  storageGB: 20,
  resources: { cpu: '500m', memory: '512Mi' },
  storageClass: '',
  adminSecret: { name: 'hybridcloud-pgserver-demoteam', passwordKey: 'password' },
  labels: { 'hybridcloud.maibornwolff.de/server': 'demoteam' },
  extraValues: {},
  ...over,
});

describe('buildReleaseValues', () => {
  it('sets names, image tag, auth from the Secret, resources and storage', () => {
    expect(buildReleaseValues(input())).toEqual({
      fullnameOverride: 'demoteam-postgresql',
      architecture: 'standalone',
      commonLabels: { 'hybridcloud.maibornwolff.de/server': 'demoteam' },
      image: { tag: '17' },
      auth: { enablePostgresUser: true, existingSecret: 'hybridcloud-pgserver-demoteam', secretKeys: { adminPasswordKey: 'password' } },
      primary: {
        persistence: { size: '20Gi' },
        resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      },
    });
  });

  it('sets the storage class only when one is configured', () => {
    expect(valueAt(buildReleaseValues(input()), 'primary.persistence.storageClass')).toBeUndefined();
    expect(valueAt(buildReleaseValues(input({ storageClass: 'fast-ssd' })), 'primary.persistence.storageClass')).toBe('fast-ssd');
  });

  it('leaves the chart preset when no resources are given, and commonLabels out when there are none', () => {
    const values = buildReleaseValues(input({ resources: undefined, labels: {} }));
    expect(valueAt(values, 'primary.resources')).toBeUndefined();
    expect(values).not.toHaveProperty('commonLabels');
  });

  it('keeps extra values (an image registry override) but lets the operator keys win', () => {
    const values = buildReleaseValues(
      input({
        extraValues: {
          image: { registry: 'registry.example.com', repository: 'mirror/postgresql', tag: '99' },
          global: { security: { allowInsecureImages: true } },
          primary: { persistence: { size: '1Gi', accessModes: ['ReadWriteOncePod'] }, nodeSelector: { disk: 'ssd' } },
          commonLabels: { team: 'a' },
        },
      }),
    );
    expect(valueAt(values, 'image')).toEqual({ registry: 'registry.example.com', repository: 'mirror/postgresql', tag: '17' });
    expect(valueAt(values, 'global.security.allowInsecureImages')).toBe(true);
    expect(valueAt(values, 'primary.persistence')).toEqual({ size: '20Gi', accessModes: ['ReadWriteOncePod'] });
    expect(valueAt(values, 'primary.nodeSelector')).toEqual({ disk: 'ssd' });
    expect(valueAt(values, 'commonLabels')).toEqual({ team: 'a', 'hybridcloud.maibornwolff.de/server': 'demoteam' });
  });

  it('never carries a password', () => {
    const text = JSON.stringify(buildReleaseValues(input()));
    expect(text).not.toMatch(/postgresPassword|"password"\s*:/);
  });

  it('does not change the extra values it was given', () => {
    const extra = { image: { registry: 'r.example.com' } };
    buildReleaseValues(input({ extraValues: extra }));
    expect(extra).toEqual({ image: { registry: 'r.example.com' } });
  });
});

describe('deepMerge', () => {
  it('merges objects key by key and replaces arrays and scalars', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: { e: 1 } })).toEqual({ a: { b: 1, c: [3] }, d: { e: 1 } });
  });
});
