import type { CreateDBInstanceMessage, DeleteDBInstanceMessage, ModifyDBInstanceMessage, Tag } from '@aws-sdk/client-rds';
import type { ApplyPlan } from './apply-policy.js';
import type { Field } from './compare.js';
import type { DesiredInstance } from './desired.js';

export const RDS_ENGINE = 'postgres';

/** `{k: v}` → RDS's `[{Key, Value}]`, in a stable order. */
export function toTags(tags: Record<string, string>): Tag[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] }));
}

/** CreateDBInstance for a single RDS PostgreSQL instance; `engineVersion` is a full version RDS offers. */
export function buildCreateInstance(want: DesiredInstance, engineVersion: string, password: string): CreateDBInstanceMessage {
  return {
    DBInstanceIdentifier: want.identifier,
    Engine: RDS_ENGINE,
    EngineVersion: engineVersion,
    // Minor versions are RDS's job; majors only change when the spec asks.
    AutoMinorVersionUpgrade: true,
    DBInstanceClass: want.instanceClass,
    AllocatedStorage: want.storageGB,
    StorageType: want.storageType,
    Iops: want.iops,
    MaxAllocatedStorage: want.maxAllocatedStorage,
    StorageEncrypted: true,
    MasterUsername: want.adminUsername,
    MasterUserPassword: password,
    BackupRetentionPeriod: want.backupRetentionDays,
    PreferredMaintenanceWindow: want.maintenanceWindow,
    PreferredBackupWindow: want.backupWindow,
    MultiAZ: want.multiAZ,
    // RDS refuses an explicit AZ for Multi-AZ instances: it places the standby itself.
    AvailabilityZone: want.multiAZ ? undefined : want.availabilityZone,
    DBSubnetGroupName: want.subnetGroup,
    VpcSecurityGroupIds: want.securityGroupIds.length > 0 ? want.securityGroupIds : undefined,
    PubliclyAccessible: want.publiclyAccessible,
    DeletionProtection: want.deletionProtection,
    CopyTagsToSnapshot: true,
    Tags: toTags(want.tags),
  };
}

/** Facts from the live instance some Modify parameters need. */
export interface LiveFacts {
  /** The full target version of a major upgrade (DescribeDBEngineVersions). */
  engineVersion?: string;
  /** The allocated storage now (it may have grown by autoscaling). */
  allocatedGB?: number;
}

/** ModifyDBInstance carrying only `plan.fields`. Tags are not part of Modify (AddTagsToResource). */
export function buildModifyInstance(want: DesiredInstance, plan: ApplyPlan, live: LiveFacts = {}): ModifyDBInstanceMessage {
  const has = (f: Field) => plan.fields.includes(f);
  const { engineVersion } = live;
  const request: ModifyDBInstanceMessage = { DBInstanceIdentifier: want.identifier, ApplyImmediately: plan.applyImmediately };
  if (has('instanceClass')) request.DBInstanceClass = want.instanceClass;
  if (has('storage')) request.AllocatedStorage = want.storageGB;
  if (has('storageType')) request.StorageType = want.storageType;
  // RDS wants IOPS again whenever storage size or type changes on provisioned-IOPS storage.
  if (has('iops') || (want.iops !== undefined && (has('storage') || has('storageType')))) request.Iops = want.iops;
  // RDS has no "off": autoscaling stops with a ceiling equal to the live allocated size.
  if (has('maxAllocatedStorage')) request.MaxAllocatedStorage = want.maxAllocatedStorage ?? Math.max(live.allocatedGB ?? 0, want.storageGB);
  if (has('backupRetention')) request.BackupRetentionPeriod = want.backupRetentionDays;
  if (has('multiAZ')) request.MultiAZ = want.multiAZ;
  if (has('maintenanceWindow')) request.PreferredMaintenanceWindow = want.maintenanceWindow;
  if (has('backupWindow')) request.PreferredBackupWindow = want.backupWindow;
  if (has('deletionProtection')) request.DeletionProtection = want.deletionProtection;
  if (has('publiclyAccessible')) request.PubliclyAccessible = want.publiclyAccessible;
  if (has('securityGroups')) request.VpcSecurityGroupIds = want.securityGroupIds;
  if (has('engineVersion') && engineVersion) {
    request.EngineVersion = engineVersion;
    request.AllowMajorVersionUpgrade = true;
  }
  return request;
}

/** ModifyDBInstance for a new master password (applied as soon as possible whatever ApplyImmediately says). */
export function buildPasswordModifyInstance(identifier: string, password: string): ModifyDBInstanceMessage {
  // ApplyImmediately=false: the password is applied at once anyway, and true would also apply any
  // modification waiting for the maintenance window.
  return { DBInstanceIdentifier: identifier, MasterUserPassword: password, ApplyImmediately: false };
}

/** DeleteDBInstance with a final snapshot, or without when `snapshotId` is undefined. */
export function buildDeleteInstance(identifier: string, snapshotId: string | undefined): DeleteDBInstanceMessage {
  return snapshotId
    ? { DBInstanceIdentifier: identifier, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: snapshotId }
    : { DBInstanceIdentifier: identifier, SkipFinalSnapshot: true };
}
