import { describe, expect, it } from '@jest/globals';
import type { Adoption } from '../../api/types.js';
import type { ServerObservation } from '../types.js';
import { holdsAdoptedSettings, keepWhatRuns } from './adoption.js';

const adoption: Adoption = { from: 'python-operator', generation: 4, at: '2026-12-06T10:00:00Z' };

describe('holdsAdoptedSettings', () => {
  it('holds an adopted server until its generation moves past the takeover', () => {
    expect(holdsAdoptedSettings({ adoption, generation: 4 }, false)).toBe(true);
    expect(holdsAdoptedSettings({ adoption, generation: 5 }, false)).toBe(false);
  });

  it('never holds a server this operator created, nor when the admin opts in, nor for a requested action', () => {
    expect(holdsAdoptedSettings({ generation: 1 }, false)).toBe(false);
    expect(holdsAdoptedSettings({ adoption, generation: 4 }, true)).toBe(false);
    expect(holdsAdoptedSettings({ adoption, generation: 4, requestedAction: 'restart' }, false)).toBe(false);
  });
});

describe('keepWhatRuns', () => {
  const differing: ServerObservation = { exists: true, ready: true, upToDate: false, differences: ['sku Standard_D2ds_v4 (GeneralPurpose) → Standard_D2ds_v5 (GeneralPurpose)'], message: '1 setting(s) differ' };

  it('moves every difference to adoptionDifferences and reports up to date', () => {
    expect(keepWhatRuns(differing, true, ['deletion: another policy'])).toEqual({
      exists: true,
      ready: true,
      upToDate: true,
      differences: [],
      adoptionDifferences: ['kept until the spec changes: sku Standard_D2ds_v4 (GeneralPurpose) → Standard_D2ds_v5 (GeneralPurpose)', 'deletion: another policy'],
      message: 'server is ready; 1 setting(s) kept as the Python operator left them until the spec changes',
    });
  });

  it('changes nothing without a hold, for a server that does not exist, or with nothing to keep', () => {
    expect(keepWhatRuns(differing, false)).toBe(differing);
    const absent: ServerObservation = { exists: false, ready: false, upToDate: false };
    expect(keepWhatRuns(absent, true)).toBe(absent);
    expect(keepWhatRuns({ exists: true, ready: true, upToDate: true, differences: [] }, true)).toEqual({ exists: true, ready: true, upToDate: true, differences: [] });
  });
});
