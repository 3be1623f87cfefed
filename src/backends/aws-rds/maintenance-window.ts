import type { ServerSpec } from '../../api/types.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
/** RDS requires maintenance and backup windows of at least 30 minutes. */
export const WINDOW_MINUTES = 30;

export type SpecWindow = NonNullable<NonNullable<ServerSpec['maintenance']>['window']>;

/** Why the spec's window is unusable (undefined when fine). */
export function windowProblem(window: SpecWindow): string | undefined {
  if (dayIndex(window.weekday) < 0) return `weekday "${window.weekday}" must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun`;
  if (parseTime(window.starttime) === undefined) return `starttime "${window.starttime}" must be hh:mm (00:00-23:59, UTC)`;
  return undefined;
}

/**
 * The spec's window in RDS's `ddd:hh24:mi-ddd:hh24:mi` format (UTC, 30 minutes long; a window
 * starting Sunday 23:45 ends Monday 00:15).
 */
export function rdsMaintenanceWindow(window: SpecWindow): string {
  const start = dayIndex(window.weekday) * MINUTES_PER_DAY + requireTime(window.starttime);
  return `${weekMinute(start)}-${weekMinute(start + WINDOW_MINUTES)}`;
}

/**
 * A daily backup window `hh24:mi-hh24:mi` ending 30 minutes before the maintenance window starts.
 * RDS refuses windows that overlap, and picks a random backup window when none is given: without
 * this an arbitrary user window collides with it now and then and every Modify fails.
 */
export function rdsBackupWindow(window: SpecWindow): string {
  const start = requireTime(window.starttime);
  const from = start - 2 * WINDOW_MINUTES;
  return `${dayMinute(from)}-${dayMinute(from + WINDOW_MINUTES)}`;
}

/** `ddd:hh:mm-ddd:hh:mm` compared ignoring case (RDS answers in lowercase). */
export function sameWindow(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

function dayIndex(weekday: string): number {
  return DAYS.indexOf(weekday.toLowerCase() as (typeof DAYS)[number]);
}

function parseTime(text: string): number | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(String(text).trim());
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}

function requireTime(text: string): number {
  const minutes = parseTime(text);
  if (minutes === undefined) throw new Error(`invalid maintenance starttime "${text}"`);
  return minutes;
}

function weekMinute(minute: number): string {
  const m = ((minute % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  return `${DAYS[Math.floor(m / MINUTES_PER_DAY)]}:${dayMinute(m)}`;
}

function dayMinute(minute: number): string {
  const m = ((minute % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');
