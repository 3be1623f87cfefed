import type { DBCluster, DBInstance, Tag } from '@aws-sdk/client-rds';
import type { DesiredCluster, DesiredInstance } from './desired.js';
import { compareVersion } from './engine-version.js';
import { sameWindow } from './maintenance-window.js';

/** A setting the operator manages; `update` turns each into Modify parameters. */
export type Field =
  | 'instanceClass'
  | 'storage'
  | 'storageType'
  | 'iops'
  | 'maxAllocatedStorage'
  | 'backupRetention'
  | 'multiAZ'
  | 'maintenanceWindow'
  | 'backupWindow'
  | 'engineVersion'
  | 'deletionProtection'
  | 'publiclyAccessible'
  | 'securityGroups'
  | 'scaling'
  | 'tags';

/** Changes that restart the server: the apply policy may defer them to the maintenance window. */
export const DISRUPTIVE_FIELDS: ReadonlySet<Field> = new Set<Field>(['instanceClass', 'engineVersion']);

export interface Difference {
  field: Field;
  message: string;
}

export interface Comparison {
  differences: Difference[];
  /** Changes RDS accepted and will apply later (PendingModifiedValues): done as far as we are concerned. */
  pending: string[];
  /** Things that differ but that we cannot or must not change (shrinking storage, downgrades). */
  warnings: string[];
  /** Set with an `engineVersion` difference. */
  upgradeTo?: string;
  /** Tags to add (set with a `tags` difference). */
  missingTags: Record<string, string>;
}

/** What RDS and Aurora resources have in common, read from either. */
interface CommonView {
  backupRetention?: number;
  pendingBackupRetention?: number;
  maintenanceWindow?: string;
  backupWindow?: string;
  deletionProtection: boolean;
  engineVersion?: string;
  pendingEngineVersion?: string;
  securityGroups: string[];
  tags: Tag[];
}

type CommonDesired = Pick<
  DesiredInstance,
  'backupRetentionDays' | 'maintenanceWindow' | 'backupWindow' | 'pinnedMajor' | 'deletionProtection' | 'securityGroupIds' | 'tags'
>;

class Collector implements Comparison {
  differences: Difference[] = [];
  pending: string[] = [];
  warnings: string[] = [];
  upgradeTo?: string;
  missingTags: Record<string, string> = {};
  differ(field: Field, message: string): void {
    this.differences.push({ field, message });
  }
  /** Records `name` as pending when RDS reports a pending value for it. */
  notePending(name: string, pending: unknown): void {
    if (pending !== undefined && pending !== null) this.pending.push(`${name} → ${String(pending)}`);
  }
}

/** Compares an RDS instance with the spec; pending modifications count as applied. */
export function compareInstance(want: DesiredInstance, have: DBInstance): Comparison {
  const out = new Collector();
  const pending = have.PendingModifiedValues ?? {};
  compareCommon(out, want, {
    backupRetention: have.BackupRetentionPeriod,
    pendingBackupRetention: pending.BackupRetentionPeriod,
    maintenanceWindow: have.PreferredMaintenanceWindow,
    backupWindow: have.PreferredBackupWindow,
    deletionProtection: have.DeletionProtection === true,
    engineVersion: have.EngineVersion,
    pendingEngineVersion: pending.EngineVersion,
    securityGroups: activeGroups(have.VpcSecurityGroups),
    tags: have.TagList ?? [],
  });
  compareClass(out, want.instanceClass, have.DBInstanceClass, pending.DBInstanceClass);
  compareStorage(out, want, have);
  out.notePending('Multi-AZ', pending.MultiAZ);
  const multiAZ = pending.MultiAZ ?? have.MultiAZ ?? false;
  if (multiAZ !== want.multiAZ) out.differ('multiAZ', `Multi-AZ ${onOff(multiAZ)} → ${onOff(want.multiAZ)}`);
  comparePublic(out, want.publiclyAccessible, have.PubliclyAccessible);
  if (have.StorageEncrypted === false) out.warnings.push('storage is not encrypted (RDS cannot encrypt an existing instance)');
  return out;
}

/**
 * Compares an Aurora cluster with the spec. `writerClass`: the writer's class as RDS reports it,
 * which tells whether the cluster runs Serverless v2 capacity (see compareScaling).
 */
export function compareCluster(want: DesiredCluster, have: DBCluster, writerClass?: string): Comparison {
  const out = new Collector();
  const pending = have.PendingModifiedValues ?? {};
  compareCommon(out, want, {
    backupRetention: have.BackupRetentionPeriod,
    pendingBackupRetention: pending.BackupRetentionPeriod,
    maintenanceWindow: have.PreferredMaintenanceWindow,
    backupWindow: have.PreferredBackupWindow,
    deletionProtection: have.DeletionProtection === true,
    engineVersion: have.EngineVersion,
    pendingEngineVersion: pending.EngineVersion,
    securityGroups: activeGroups(have.VpcSecurityGroups),
    tags: have.TagList ?? [],
  });
  compareScaling(out, want.scaling, have.ServerlessV2ScalingConfiguration, writerClass);
  if (want.storageType) {
    out.notePending('storage type', pending.StorageType);
    // Standard Aurora storage is reported as "aurora" or not at all.
    const type = pending.StorageType ?? have.StorageType ?? 'aurora';
    if (type !== want.storageType) out.differ('storageType', `storage type ${type} → ${want.storageType}`);
  }
  if (have.StorageEncrypted === false) out.warnings.push('storage is not encrypted (Aurora cannot encrypt an existing cluster)');
  return out;
}

/** Compares an Aurora cluster's writer instance with the spec (class, network, window, tags). */
export function compareWriter(want: DesiredCluster, have: DBInstance): Comparison {
  const out = new Collector();
  const pending = have.PendingModifiedValues ?? {};
  compareClass(out, want.instanceClass, have.DBInstanceClass, pending.DBInstanceClass);
  comparePublic(out, want.publiclyAccessible, have.PubliclyAccessible);
  if (want.maintenanceWindow && !sameWindow(want.maintenanceWindow, have.PreferredMaintenanceWindow)) {
    out.differ('maintenanceWindow', `maintenance window ${have.PreferredMaintenanceWindow ?? 'unset'} → ${want.maintenanceWindow}`);
  }
  compareTags(out, want.tags, have.TagList ?? []);
  return out;
}

function compareCommon(out: Collector, want: CommonDesired, have: CommonView): void {
  out.notePending('backup retention', have.pendingBackupRetention);
  const retention = have.pendingBackupRetention ?? have.backupRetention;
  if (retention !== want.backupRetentionDays) out.differ('backupRetention', `backup retention ${retention ?? 'unset'} → ${want.backupRetentionDays} days`);
  compareWindows(out, want, have);
  compareEngine(out, want, have);
  if (have.deletionProtection !== want.deletionProtection) {
    out.differ('deletionProtection', `deletion protection ${onOff(have.deletionProtection)} → ${onOff(want.deletionProtection)}`);
  }
  if (want.securityGroupIds.length > 0 && !sameSet(want.securityGroupIds, have.securityGroups)) {
    out.differ('securityGroups', `security groups [${have.securityGroups.join(', ')}] → [${want.securityGroupIds.join(', ')}]`);
  }
  compareTags(out, want.tags, have.tags);
}

/** Windows are only managed when the spec names one. */
function compareWindows(out: Collector, want: CommonDesired, have: CommonView): void {
  if (want.maintenanceWindow && !sameWindow(want.maintenanceWindow, have.maintenanceWindow)) {
    out.differ('maintenanceWindow', `maintenance window ${have.maintenanceWindow ?? 'unset'} → ${want.maintenanceWindow}`);
  }
  if (want.backupWindow && !sameWindow(want.backupWindow, have.backupWindow)) {
    out.differ('backupWindow', `backup window ${have.backupWindow ?? 'unset'} → ${want.backupWindow}`);
  }
}

function compareEngine(out: Collector, want: CommonDesired, have: CommonView): void {
  out.notePending('engine version', have.pendingEngineVersion);
  const version = compareVersion(want.pinnedMajor, have.engineVersion, have.pendingEngineVersion);
  if (version.upgradeTo) {
    out.upgradeTo = version.upgradeTo;
    out.differ('engineVersion', `major version ${have.engineVersion ?? '?'} → ${version.upgradeTo}`);
  }
  if (version.warning) out.warnings.push(version.warning);
}

function compareClass(out: Collector, want: string, have: string | undefined, pending: string | undefined): void {
  out.notePending('instance class', pending);
  const effective = pending ?? have;
  if (effective !== want) out.differ('instanceClass', `instance class ${effective ?? 'unset'} → ${want}`);
}

function compareStorage(out: Collector, want: DesiredInstance, have: DBInstance): void {
  const pending = have.PendingModifiedValues ?? {};
  out.notePending('storage GB', pending.AllocatedStorage);
  const allocated = pending.AllocatedStorage ?? have.AllocatedStorage ?? 0;
  if (want.storageGB > allocated) out.differ('storage', `storage ${allocated} GB → ${want.storageGB} GB`);
  else if (want.storageGB < allocated && want.maxAllocatedStorage === undefined) {
    out.warnings.push(`storage is ${allocated} GB; RDS cannot shrink it to the requested ${want.storageGB} GB`);
  }
  compareVolume(out, want, have);
  compareAutoscaling(out, want, have, allocated);
}

/** Storage type and IOPS, only when the class sets them (RDS reports gp3's baseline IOPS otherwise). */
function compareVolume(out: Collector, want: DesiredInstance, have: DBInstance): void {
  const pending = have.PendingModifiedValues ?? {};
  if (want.storageType) {
    out.notePending('storage type', pending.StorageType);
    const type = pending.StorageType ?? have.StorageType;
    if (type !== want.storageType) out.differ('storageType', `storage type ${type ?? 'unset'} → ${want.storageType}`);
  }
  if (want.iops !== undefined) {
    out.notePending('IOPS', pending.Iops);
    const iops = pending.Iops ?? have.Iops;
    if (iops !== want.iops) out.differ('iops', `IOPS ${iops ?? 'unset'} → ${want.iops}`);
  }
}

function compareAutoscaling(out: Collector, want: DesiredInstance, have: DBInstance, allocated: number): void {
  const max = autoscalingCeiling(have);
  if (want.maxAllocatedStorage !== undefined && want.maxAllocatedStorage <= allocated) {
    out.warnings.push(`storage autoscaling reached its ceiling: ${allocated} GB allocated`);
  } else if (max !== want.maxAllocatedStorage) {
    const show = (gb: number | undefined) => (gb ? `up to ${gb} GB` : 'off');
    out.differ('maxAllocatedStorage', `storage autoscaling ${show(max)} → ${show(want.maxAllocatedStorage)}`);
  }
}

/** RDS reports no MaxAllocatedStorage (or one not above the allocated size) when autoscaling is off. */
function autoscalingCeiling(have: DBInstance): number | undefined {
  const max = have.MaxAllocatedStorage;
  return max && max > (have.AllocatedStorage ?? 0) ? max : undefined;
}

function compareTags(out: Collector, want: Record<string, string>, have: Tag[]): void {
  const actual = new Map(have.map((t) => [t.Key, t.Value ?? '']));
  for (const [key, value] of Object.entries(want)) {
    if (actual.get(key) !== value) out.missingTags[key] = value;
  }
  const keys = Object.keys(out.missingTags);
  if (keys.length > 0) out.differ('tags', `tags ${keys.map((k) => `${k}=${actual.get(k) ?? 'unset'} → ${out.missingTags[k]}`).join(', ')}`);
}

function comparePublic(out: Collector, want: boolean, have: boolean | undefined): void {
  if ((have ?? false) !== want) out.differ('publiclyAccessible', `public access ${onOff(have ?? false)} → ${onOff(want)}`);
}

/**
 * Serverless v2 capacity, compared the way the API reports it. A cluster whose writer already runs
 * as db.serverless has a capacity range (RDS refuses such a writer without one), so when the
 * cluster reports no ServerlessV2ScalingConfiguration at all (RDS-compatible APIs that do not echo
 * it back) it cannot be compared, and the same change is not sent again and again. A provisioned
 * cluster reporting none really has none: that is a difference. See ADR 0014.
 */
function compareScaling(out: Collector, want: DesiredCluster['scaling'], have: DBCluster['ServerlessV2ScalingConfiguration'], writerClass: string | undefined): void {
  if (!want) return;
  const reported = have && (have.MinCapacity !== undefined || have.MaxCapacity !== undefined) ? `${have.MinCapacity ?? '?'}-${have.MaxCapacity ?? '?'}` : undefined;
  if (reported === undefined && writerClass === 'db.serverless') {
    out.warnings.push(`the API does not report the Serverless v2 capacity; ${want.min}-${want.max} ACU is not compared`);
    return;
  }
  if (reported !== `${want.min}-${want.max}`) out.differ('scaling', `Serverless v2 capacity ${reported ?? 'unset'} → ${want.min}-${want.max} ACU`);
}

const onOff = (on: boolean) => (on ? 'on' : 'off');

function activeGroups(groups: { VpcSecurityGroupId?: string; Status?: string }[] | undefined): string[] {
  return (groups ?? []).filter((g) => g.Status !== 'removing' && g.VpcSecurityGroupId).map((g) => g.VpcSecurityGroupId as string);
}

function sameSet(a: string[], b: string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}
