/**
 * The spec's maintenance window (`spec.maintenance.window`: a weekday and a UTC start time, one
 * hour long), as every backend that schedules its own restarts reads it.
 */
import type { Weekday } from '../../api/types.js';

/** How long the operator treats a maintenance window as open for restarts it schedules. */
export const WINDOW_MINUTES = 60;

/** Sunday = 0, as `Date.getUTCDay` counts. */
export const WEEKDAY_INDEX: Record<Weekday, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export interface WeeklyWindow {
  /** Sunday = 0. */
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

/** The spec's window, or undefined when it has none (or a malformed start time). */
export function weeklyWindow(window: { weekday: Weekday; starttime: string } | undefined): WeeklyWindow | undefined {
  const start = window ? parseStartTime(window.starttime) : undefined;
  if (!window || !start) return undefined;
  return { dayOfWeek: WEEKDAY_INDEX[window.weekday], startHour: start.hour, startMinute: start.minute };
}

const WEEK_MS = 7 * 24 * 3600_000;

/** Milliseconds until the window next opens (0 while it is open), in UTC. */
export function msUntilOpen(window: WeeklyWindow, now: Date): number {
  const startOfWeek = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - now.getUTCDay());
  const open = startOfWeek + ((window.dayOfWeek * 24 + window.startHour) * 60 + window.startMinute) * 60_000;
  const t = now.getTime();
  // The window of this week, or last week's still open across the week boundary (Sat 23:30).
  for (const start of [open - WEEK_MS, open, open + WEEK_MS]) {
    if (t >= start && t < start + WINDOW_MINUTES * 60_000) return 0;
    if (start > t) return start - t;
  }
  return 0;
}
