import { describe, expect, it } from '@jest/globals';
import { rdsBackupWindow, rdsMaintenanceWindow, sameWindow, windowProblem } from './maintenance-window.js';
import type { SpecWindow } from './maintenance-window.js';

const w = (weekday: string, starttime: string) => ({ weekday, starttime }) as SpecWindow;

describe('maintenance windows in RDS format', () => {
  it.each([
    [w('Mon', '03:00'), 'mon:03:00-mon:03:30', '02:00-02:30'],
    [w('Wed', '3:15'), 'wed:03:15-wed:03:45', '02:15-02:45'],
    [w('Sun', '23:45'), 'sun:23:45-mon:00:15', '22:45-23:15'],
    [w('Tue', '00:10'), 'tue:00:10-tue:00:40', '23:10-23:40'],
    [w('sat', '12:00'), 'sat:12:00-sat:12:30', '11:00-11:30'],
  ])('%j becomes %s with backup window %s', (window, maintenance, backup) => {
    expect(windowProblem(window)).toBeUndefined();
    expect(rdsMaintenanceWindow(window)).toBe(maintenance);
    expect(rdsBackupWindow(window)).toBe(backup);
  });

  it('leaves 30 minutes between the backup window and the maintenance window', () => {
    const window = w('Thu', '01:00');
    const [, backupEnd] = rdsBackupWindow(window).split('-');
    expect(backupEnd).toBe('00:30');
    expect(rdsMaintenanceWindow(window).startsWith('thu:01:00')).toBe(true);
  });

  it.each([
    [w('Funday', '03:00'), 'weekday'],
    [w('Mon', '24:00'), 'starttime'],
    [w('Mon', '3pm'), 'starttime'],
    [w('Mon', '12:60'), 'starttime'],
  ])('rejects %j', (window, word) => {
    expect(windowProblem(window)).toContain(word);
  });

  it('compares windows ignoring case', () => {
    expect(sameWindow('Mon:03:00-Mon:03:30', 'mon:03:00-mon:03:30')).toBe(true);
    expect(sameWindow('mon:03:00-mon:03:30', undefined)).toBe(false);
  });
});
