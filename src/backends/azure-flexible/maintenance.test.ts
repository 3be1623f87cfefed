import { describe, it, expect } from '@jest/globals';
import { azureWindow, msUntilWindow, parseStartTime } from './maintenance.js';

describe('azureWindow', () => {
  it('numbers weekdays from Sunday = 0 as Azure does', () => {
    expect(azureWindow({ weekday: 'Sun', starttime: '03:30' })).toEqual({ customWindow: 'Enabled', dayOfWeek: 0, startHour: 3, startMinute: 30 });
    expect(azureWindow({ weekday: 'Mon', starttime: '00:00' }).dayOfWeek).toBe(1);
    expect(azureWindow({ weekday: 'Sat', starttime: '23:59' }).dayOfWeek).toBe(6);
  });

  it('leaves the window to Azure when the spec has none', () => {
    expect(azureWindow(undefined)).toEqual({ customWindow: 'Disabled', dayOfWeek: 0, startHour: 0, startMinute: 0 });
  });
});

describe('parseStartTime', () => {
  it('accepts HH:MM and refuses the rest', () => {
    expect(parseStartTime('7:05')).toEqual({ hour: 7, minute: 5 });
    expect(parseStartTime('24:00')).toBeUndefined();
    expect(parseStartTime('12:60')).toBeUndefined();
    expect(parseStartTime('noon')).toBeUndefined();
  });
});

describe('msUntilWindow', () => {
  const wed0300 = azureWindow({ weekday: 'Wed', starttime: '03:00' });
  // 2026-11-18 is a Wednesday.
  it('is 0 inside the window', () => {
    expect(msUntilWindow(wed0300, new Date('2026-11-18T03:00:00Z'))).toBe(0);
    expect(msUntilWindow(wed0300, new Date('2026-11-18T03:59:59Z'))).toBe(0);
  });

  it('counts to the next opening', () => {
    expect(msUntilWindow(wed0300, new Date('2026-11-18T02:00:00Z'))).toBe(3600_000);
    expect(msUntilWindow(wed0300, new Date('2026-11-18T04:00:00Z'))).toBe(7 * 24 * 3600_000 - 3600_000);
  });

  it('handles a window that spans the end of the week', () => {
    const sat2330 = azureWindow({ weekday: 'Sat', starttime: '23:30' });
    expect(msUntilWindow(sat2330, new Date('2026-11-22T00:15:00Z'))).toBe(0); // Sunday 00:15
  });

  it('is undefined without a custom window', () => {
    expect(msUntilWindow(azureWindow(undefined), new Date())).toBeUndefined();
  });
});
