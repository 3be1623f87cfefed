import { describe, expect, it } from '@jest/globals';
import { hasDisruptivePending, planApply } from './apply-policy.js';

describe('apply policy', () => {
  it('applies everything at once or everything in the window when told so', () => {
    expect(planApply('immediately', ['instanceClass', 'storage'], true)).toEqual({ fields: ['instanceClass', 'storage'], applyImmediately: true });
    expect(planApply('maintenance_window', ['storage'], false)).toEqual({ fields: ['storage'], applyImmediately: false });
  });

  it('under safe, sends gentle changes first and immediately, disruptive ones later for the window', () => {
    expect(planApply('safe', ['instanceClass', 'storage', 'backupRetention'], false)).toEqual({ fields: ['storage', 'backupRetention'], applyImmediately: true });
    expect(planApply('safe', ['instanceClass', 'engineVersion'], false)).toEqual({ fields: ['instanceClass', 'engineVersion'], applyImmediately: false });
  });

  it('under safe, never says ApplyImmediately while a disruptive change waits (it would be applied too)', () => {
    expect(planApply('safe', ['storage'], true)).toEqual({ fields: ['storage'], applyImmediately: false });
  });

  it('recognises disruptive pending modifications', () => {
    expect(hasDisruptivePending({ DBInstanceClass: 'db.m5.xlarge' })).toBe(true);
    expect(hasDisruptivePending({ EngineVersion: '17.4' })).toBe(true);
    expect(hasDisruptivePending({})).toBe(false);
    expect(hasDisruptivePending(undefined)).toBe(false);
  });
});
