import { readFileSync } from 'node:fs';
import { round } from './stats.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const CLK_TCK = 100;

/** User + system CPU seconds the process has used so far (its own threads, not its children). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLK_TCK;
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** CPU time of the whole machine (all cores) from the first line of /proc/stat, in seconds. */
export interface MachineTimes {
  /** Time the cores ran anything: user, nice, system, irq, softirq. */
  busy: number;
  /**
   * Time the hypervisor gave this machine's cores to other machines while they had work: on a
   * shared host one cause of rounds that are slow for no reason of their own. The other, cores that
   * run slower without it showing here, shows as more busy seconds for the same work.
   */
  steal: number;
}

export function machineTimes(): MachineTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq) / CLK_TCK, steal: steal / CLK_TCK };
}

/** The machine's busy and stolen CPU seconds since `before`, rounded to a hundredth. */
export function machineSince(before: MachineTimes): { machineBusySeconds: number; stealSeconds: number } {
  const now = machineTimes();
  return { machineBusySeconds: round(now.busy - before.busy, 2), stealSeconds: round(now.steal - before.steal, 2) };
}
