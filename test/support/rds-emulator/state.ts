import { RdsFault } from './params.js';

/** How long each operation takes in the emulator (milliseconds; tests usually use 0 or "forever"). */
export interface Delays {
  create: number;
  modify: number;
  delete: number;
  password: number;
}

/** A status RDS shows until `at`, then `run` completes the operation. */
export interface Transition {
  status: string;
  at: number;
  run: () => void;
}

/** Values RDS reports in PendingModifiedValues. */
export type PendingValues = Record<string, string | number | boolean>;

export interface Resource {
  transitions: Transition[];
  /** Applied when the current modification completes. */
  pending: PendingValues;
  /** Waiting for the maintenance window (ApplyImmediately=false). */
  deferred: PendingValues;
  tags: Record<string, string>;
  arn: string;
  masterPassword?: string;
}

export interface InstanceRecord extends Resource {
  id: string;
  clusterId?: string;
  engine: string;
  engineVersion: string;
  instanceClass: string;
  allocatedStorage?: number;
  storageType?: string;
  iops?: number;
  maxAllocatedStorage?: number;
  backupRetention: number;
  multiAZ: boolean;
  maintenanceWindow: string;
  backupWindow: string;
  publiclyAccessible: boolean;
  deletionProtection: boolean;
  securityGroups: string[];
  subnetGroup?: string;
  availabilityZone: string;
  masterUsername?: string;
  storageEncrypted: boolean;
  autoMinorVersionUpgrade: boolean;
  createdAt: Date;
}

export interface ClusterRecord extends Resource {
  id: string;
  engine: string;
  engineVersion: string;
  masterUsername: string;
  backupRetention: number;
  maintenanceWindow: string;
  backupWindow: string;
  deletionProtection: boolean;
  securityGroups: string[];
  subnetGroup?: string;
  availabilityZones: string[];
  storageType: string;
  scaling?: { min: number; max: number };
  storageEncrypted: boolean;
  createdAt: Date;
}

/** The status of a resource: its first running transition's, else available. */
export function statusOf(r: Resource): string {
  return r.transitions[0]?.status ?? 'available';
}

/** Runs the transitions that are due (all of them with `force`), oldest first. */
export function advance(r: Resource, now: number, force = false): void {
  while (r.transitions[0] && (force || r.transitions[0].at <= now)) {
    const t = r.transitions.shift() as Transition;
    t.run();
  }
}

export function requireParam<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === '') throw new RdsFault('MissingParameter', `The request must contain the parameter ${name}`);
  return value;
}

/** RDS's identifier rules. */
export function checkIdentifier(id: string, what: string): void {
  if (!/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/.test(id) || id.includes('--') || id.endsWith('-')) {
    throw new RdsFault('InvalidParameterValue', `The parameter ${what} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`);
  }
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WEEK = /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$/;
const DAILY = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** Checks `ddd:hh24:mi-ddd:hh24:mi` (at least 30 minutes) and answers it as week minutes. */
export function checkMaintenanceWindow(text: string): [number, number] {
  const m = WEEK.exec(text.toLowerCase());
  if (!m) throw new RdsFault('InvalidParameterValue', `Invalid maintenance window format: ${text}. Must be in the format ddd:hh24:mi-ddd:hh24:mi.`);
  const start = DAYS.indexOf(m[1] as string) * 1440 + Number(m[2]) * 60 + Number(m[3]);
  let end = DAYS.indexOf(m[4] as string) * 1440 + Number(m[5]) * 60 + Number(m[6]);
  if (end < start) end += 7 * 1440;
  if (end - start < 30) throw new RdsFault('InvalidParameterValue', 'The maintenance window must be at least 30 minutes.');
  return [start, end];
}

/** Checks `hh24:mi-hh24:mi` (at least 30 minutes) and answers it as day minutes. */
export function checkBackupWindow(text: string): [number, number] {
  const m = DAILY.exec(text);
  if (!m) throw new RdsFault('InvalidParameterValue', `Invalid backup window format: ${text}. Must be in the format hh24:mi-hh24:mi.`);
  const start = Number(m[1]) * 60 + Number(m[2]);
  let end = Number(m[3]) * 60 + Number(m[4]);
  if (end < start) end += 1440;
  if (end - start < 30) throw new RdsFault('InvalidParameterValue', 'The backup window must be at least 30 minutes.');
  return [start, end];
}

/** RDS refuses a backup window that overlaps the maintenance window. */
export function checkWindowsApart(maintenance: string, backup: string): void {
  const [ms, me] = checkMaintenanceWindow(maintenance);
  const [bs, be] = checkBackupWindow(backup);
  const day = Math.floor(ms / 1440);
  // The daily backup window on the maintenance day, the day before and the day after.
  for (const d of [day - 1, day, day + 1]) {
    const from = d * 1440 + bs;
    const to = d * 1440 + be;
    if (from < me && ms < to) {
      throw new RdsFault('InvalidParameterCombination', `The backup window and maintenance window must not overlap (${backup} / ${maintenance}).`);
    }
  }
}
