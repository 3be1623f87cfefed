import type { Weekday } from '../../api/types.js';

/** Azure numbers weekdays from Sunday = 0 (the Python operator sent Monday = 0: off by one). */
export const AZURE_WEEKDAY: Record<Weekday, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** How long the operator treats a custom maintenance window as open for restarts it schedules. */
export const WINDOW_MINUTES = 60;

export interface AzureWindow {
  customWindow: 'Enabled' | 'Disabled';
  dayOfWeek: number;
  startHour: number;
  startMinute: number;
}

/** Parses `HH:MM` (24 h); undefined when malformed. */
export function parseStartTime(text: string): { hour: number; minute: number } | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : undefined;
}

/** The Azure maintenance window for the spec's window (or the system-managed one when none). */
export function azureWindow(window: { weekday: Weekday; starttime: string } | undefined): AzureWindow {
  const start = window ? parseStartTime(window.starttime) : undefined;
  if (!window || !start) return { customWindow: 'Disabled', dayOfWeek: 0, startHour: 0, startMinute: 0 };
  return { customWindow: 'Enabled', dayOfWeek: AZURE_WEEKDAY[window.weekday], startHour: start.hour, startMinute: start.minute };
}

const WEEK_MS = 7 * 24 * 3600_000;

/**
 * Milliseconds until the window next opens (0 while it is open), in UTC as Azure schedules it;
 * undefined when there is no custom window.
 */
export function msUntilWindow(window: AzureWindow, now: Date): number | undefined {
  if (window.customWindow !== 'Enabled') return undefined;
  const startOfWeek = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - now.getUTCDay());
  const open = startOfWeek + ((window.dayOfWeek * 24 + window.startHour) * 60 + window.startMinute) * 60_000;
  const t = now.getTime();
  // The window of this week, or last week's still open across the week boundary (Sat 23:30).
  for (const start of [open - WEEK_MS, open, open + WEEK_MS]) {
    if (t >= start && t < start + WINDOW_MINUTES * 60_000) return 0;
    if (start > t) return start - t;
  }
  return undefined;
}
