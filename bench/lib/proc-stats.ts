import { readdirSync, readFileSync } from 'node:fs';
import { round } from './stats.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const CLK_TCK = 100;

/** User + system CPU seconds the process has used so far (its own threads, not its children). */
export function cpuSeconds(pid: number): number {
  return ticksOf(readFileSync(`/proc/${pid}/stat`, 'utf8')) / CLK_TCK;
}

/** utime + stime of a /proc stat line, in clock ticks. */
export function ticksOf(stat: string): number {
  // The command name (field 2) may contain spaces: count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU seconds of a process by kind of thread (see `threadCpuSeconds`). */
export interface ThreadCpu {
  /** The JavaScript thread (the operator's: its own code, client-node, undici, pg) with V8's work on it. */
  main: number;
  /** libuv's pool (Node's `libuv-worker` threads): crypto such as PBKDF2, DNS lookups, file I/O. */
  pool: number;
  /** V8's helpers (`V8Worker`): concurrent marking, parallel scavenges, optimising compiles. */
  v8: number;
  /** Every other thread (Node's signal and inspector threads…), and threads gone meanwhile. */
  other: number;
}

/**
 * User + system CPU seconds of each kind of thread of a process so far. The main thread is the
 * one whose id is the process id; the others are told apart by the names Node and V8 give them.
 */
export function threadCpuSeconds(pid: number): ThreadCpu {
  const out: ThreadCpu = { main: 0, pool: 0, v8: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const kind: keyof ThreadCpu = Number(tid) === pid ? 'main' : name === 'libuv-worker' ? 'pool' : name.startsWith('V8') ? 'v8' : 'other';
    out[kind] += ticksOf(stat) / CLK_TCK;
  }
  return out;
}

/** Per kind, the CPU seconds since `before` (rounded to a hundredth); `other` also takes what ended threads used. */
export function threadCpuSince(before: ThreadCpu, after: ThreadCpu, totalSeconds: number): ThreadCpu {
  const main = round(after.main - before.main, 2);
  const pool = round(after.pool - before.pool, 2);
  const v8 = round(after.v8 - before.v8, 2);
  return { main, pool, v8, other: round(Math.max(0, totalSeconds - main - pool - v8), 2) };
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
