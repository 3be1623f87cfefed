/**
 * The spec's maintenance window (`spec.maintenance.window`: a weekday and a UTC start time, one
 * hour long), as every backend that schedules its own restarts reads it.
 */
import type { MaintenanceStatus, Weekday } from '../../api/types.js';

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

/**
 * Changes held for the maintenance window, as `ServerObservation.maintenance` carries them to
 * `status.maintenance`; `retryAfterSeconds` brings the server back when the window opens.
 */
export interface WindowHold extends MaintenanceStatus {
  retryAfterSeconds: number;
}

/**
 * Whether changes that may wait (a restart, a new image or chart from the config; never a spec
 * change) wait now: the hold until the window opens, or undefined when they happen at once — the
 * server has no window, or it is open.
 */
export function holdForWindow(spec: { maintenance?: { window?: { weekday: Weekday; starttime: string } } }, pending: string[], now: Date): WindowHold | undefined {
  const given = spec.maintenance?.window;
  const window = weeklyWindow(given);
  if (!window || !given || pending.length === 0) return undefined;
  const wait = msUntilOpen(window, now);
  if (wait === 0) return undefined;
  const start = `${String(window.startHour).padStart(2, '0')}:${String(window.startMinute).padStart(2, '0')}`;
  return {
    pending,
    scheduledFor: new Date(now.getTime() + wait).toISOString(),
    window: `${given.weekday} ${start} UTC`,
    retryAfterSeconds: Math.ceil(wait / 1000) + 1,
  };
}

/** Two holds of the same server (the same window) as one. */
export function joinHolds(a: WindowHold | undefined, b: WindowHold | undefined): WindowHold | undefined {
  if (!a || !b) return a ?? b;
  return { ...a, pending: [...a.pending, ...b.pending], retryAfterSeconds: Math.min(a.retryAfterSeconds, b.retryAfterSeconds) };
}

/** The hold as status shows it. */
export function maintenanceStatus(hold: WindowHold): MaintenanceStatus {
  return { pending: hold.pending, scheduledFor: hold.scheduledFor, window: hold.window };
}
