import type { Weekday } from '../../api/types.js';

/** Azure numbers weekdays from Sunday = 0 (the Python operator sent Monday = 0: off by one). */
export const AZURE_WEEKDAY: Record<Weekday, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

import { msUntilOpen, parseStartTime, WINDOW_MINUTES } from '../common/maintenance-window.js';

export { parseStartTime, WINDOW_MINUTES };

export interface AzureWindow {
  customWindow: 'Enabled' | 'Disabled';
  dayOfWeek: number;
  startHour: number;
  startMinute: number;
}

/** The Azure maintenance window for the spec's window (or the system-managed one when none). */
export function azureWindow(window: { weekday: Weekday; starttime: string } | undefined): AzureWindow {
  const start = window ? parseStartTime(window.starttime) : undefined;
  if (!window || !start) return { customWindow: 'Disabled', dayOfWeek: 0, startHour: 0, startMinute: 0 };
  return { customWindow: 'Enabled', dayOfWeek: AZURE_WEEKDAY[window.weekday], startHour: start.hour, startMinute: start.minute };
}

/**
 * Milliseconds until the window next opens (0 while it is open), in UTC as Azure schedules it;
 * undefined when there is no custom window.
 */
export function msUntilWindow(window: AzureWindow, now: Date): number | undefined {
  if (window.customWindow !== 'Enabled') return undefined;
  return msUntilOpen(window, now);
}
