import { describe, expect, it } from '@jest/globals';
import { compareVersion, majorOf, pinnedMajor } from './engine-version.js';

const spec = (version?: string | number) => ({ version, size: { storageGB: 20 }, credentialsSecret: 's' });

describe('engine versions', () => {
  it('reads the major of a full version', () => {
    expect(majorOf('16.4')).toBe('16');
    expect(majorOf('17')).toBe('17');
    expect(majorOf(undefined)).toBeUndefined();
  });

  it('pins only explicitly requested majors', () => {
    expect(pinnedMajor(spec(), '17')).toBeUndefined();
    expect(pinnedMajor(spec('latest'), '17')).toBeUndefined();
    expect(pinnedMajor(spec(16), '16')).toBe('16');
    expect(pinnedMajor(spec('16.2'), '16')).toBe('16');
  });

  it('upgrades majors, ignores minors, never downgrades', () => {
    expect(compareVersion('16', '16.4', undefined)).toEqual({});
    expect(compareVersion('17', '16.4', undefined)).toEqual({ upgradeTo: '17' });
    expect(compareVersion('17', '16.4', '17.2')).toEqual({});
    expect(compareVersion('15', '16.4', undefined).warning).toContain('cannot downgrade');
    expect(compareVersion(undefined, '16.4', undefined)).toEqual({});
  });
});
