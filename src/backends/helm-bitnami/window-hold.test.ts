import { describe, it, expect } from '@jest/globals';
import { configOnlyChanges, withRunningImage } from './window-hold.js';

const RUNS = { fullnameOverride: 'a-postgresql', image: { tag: '16', registry: 'docker.io', repository: 'bitnamilegacy/postgresql' }, primary: { persistence: { size: '10Gi' } } };
const withImage = (image: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...RUNS, image: { ...RUNS.image, ...image }, ...extra });

describe('configOnlyChanges', () => {
  it('names a new image registry, repository or digest from the config, and a new chart version', () => {
    expect(configOnlyChanges(RUNS, withImage({ registry: 'mirror.example', digest: 'sha256:ab' }), undefined)).toEqual([
      'image.digest: (unset) → "sha256:ab"',
      'image.registry: "docker.io" → "mirror.example"',
    ]);
    expect(configOnlyChanges(RUNS, withImage({}, { global: { imageRegistry: 'mirror.example' } }), 'chart version: 17.1.0 → 17.1.1')).toEqual([
      'global.imageRegistry: (unset) → "mirror.example"',
      'chart version: 17.1.0 → 17.1.1',
    ]);
    expect(configOnlyChanges(RUNS, RUNS, 'chart version: 17.1.0 → 17.1.1')).toEqual(['chart version: 17.1.0 → 17.1.1']);
    expect(configOnlyChanges(withImage({ pullPolicy: 'Always' }), RUNS, undefined)).toEqual(['image.pullPolicy: "Always" → (unset)']);
  });

  it('holds nothing when anything else differs too: the spec, the major (image.tag), other values', () => {
    const bigger = { ...RUNS, primary: { persistence: { size: '20Gi' } } };
    expect(configOnlyChanges(RUNS, { ...bigger, image: { ...RUNS.image, registry: 'mirror.example' } }, 'chart version: 17.1.0 → 17.1.1')).toBeUndefined();
    expect(configOnlyChanges(RUNS, withImage({ tag: '17' }), undefined)).toBeUndefined();
    expect(configOnlyChanges(RUNS, withImage({}, { metrics: { enabled: true } }), undefined)).toBeUndefined();
    expect(configOnlyChanges(RUNS, withImage({}, { global: { security: { allowInsecureImages: true }, imageRegistry: 'm' } }), undefined)).toBeUndefined();
  });

  it('holds through a change of the backups (no pod rolls for it), which an upgrade sends with the running image', () => {
    const backups = (days: number) => ({ backup: { enabled: true, cronjob: { schedule: '0 3 * * *', command: ['sh', '-c', `retention ${days}`] } } });
    const runs = { ...RUNS, ...backups(7) };
    const desired = withImage({ registry: 'mirror.example' }, backups(3));
    expect(configOnlyChanges(runs, desired, 'chart version: 17.1.0 → 17.1.1')).toEqual(['image.registry: "docker.io" → "mirror.example"', 'chart version: 17.1.0 → 17.1.1']);
    expect(withRunningImage(desired, runs)).toEqual({ ...RUNS, ...backups(3) });
  });

  it('is undefined when nothing differs', () => {
    expect(configOnlyChanges(RUNS, structuredClone(RUNS), undefined)).toBeUndefined();
  });
});
