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

type ModifyParams = Partial<ModifyDBInstanceMessage>;

/** The Modify parameters each field sets. */
const MODIFY_PARAMS: Record<Field, (want: DesiredInstance, live: LiveFacts) => ModifyParams> = {
  instanceClass: (w) => ({ DBInstanceClass: w.instanceClass }),
  storage: (w) => ({ AllocatedStorage: w.storageGB }),
  storageType: (w) => ({ StorageType: w.storageType }),
  iops: (w) => ({ Iops: w.iops }),
  // RDS has no "off": autoscaling stops with a ceiling equal to the live allocated size.
  maxAllocatedStorage: (w, live) => ({ MaxAllocatedStorage: w.maxAllocatedStorage ?? Math.max(live.allocatedGB ?? 0, w.storageGB) }),
  backupRetention: (w) => ({ BackupRetentionPeriod: w.backupRetentionDays }),
  multiAZ: (w) => ({ MultiAZ: w.multiAZ }),
  maintenanceWindow: (w) => ({ PreferredMaintenanceWindow: w.maintenanceWindow }),
  backupWindow: (w) => ({ PreferredBackupWindow: w.backupWindow }),
  engineVersion: (_w, live) => (live.engineVersion ? { EngineVersion: live.engineVersion, AllowMajorVersionUpgrade: true } : {}),
  deletionProtection: (w) => ({ DeletionProtection: w.deletionProtection }),
  publiclyAccessible: (w) => ({ PubliclyAccessible: w.publiclyAccessible }),
  securityGroups: (w) => ({ VpcSecurityGroupIds: w.securityGroupIds }),
  // Neither applies to RDS instances: Serverless capacity is Aurora's, tags go through AddTagsToResource.
  scaling: () => ({}),
  tags: () => ({}),
};

/** ModifyDBInstance carrying only `plan.fields`. */
export function buildModifyInstance(want: DesiredInstance, plan: ApplyPlan, live: LiveFacts = {}): ModifyDBInstanceMessage {
  const request: ModifyDBInstanceMessage = { DBInstanceIdentifier: want.identifier, ApplyImmediately: plan.applyImmediately };
  for (const field of plan.fields) Object.assign(request, MODIFY_PARAMS[field](want, live));
  // RDS wants the IOPS again whenever size or type of provisioned-IOPS storage changes.
  const resized = plan.fields.includes('storage') || plan.fields.includes('storageType');
  if (want.iops !== undefined && resized) request.Iops = want.iops;
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
