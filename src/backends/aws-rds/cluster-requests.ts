import type {
  CreateDBClusterMessage,
  CreateDBInstanceMessage,
  DeleteDBClusterMessage,
  ModifyDBClusterMessage,
  ModifyDBInstanceMessage,
} from '@aws-sdk/client-rds';
import type { ApplyPlan } from './apply-policy.js';
import type { Field } from './compare.js';
import type { DesiredCluster } from './desired.js';
import { toTags } from './instance-requests.js';

export const AURORA_ENGINE = 'aurora-postgresql';

/** CreateDBCluster for an Aurora PostgreSQL cluster (provisioned engine mode; Serverless v2 by class). */
export function buildCreateCluster(want: DesiredCluster, engineVersion: string, password: string): CreateDBClusterMessage {
  return {
    DBClusterIdentifier: want.identifier,
    Engine: AURORA_ENGINE,
    EngineVersion: engineVersion,
    MasterUsername: want.adminUsername,
    MasterUserPassword: password,
    StorageEncrypted: true,
    StorageType: want.storageType,
    BackupRetentionPeriod: want.backupRetentionDays,
    PreferredMaintenanceWindow: want.maintenanceWindow,
    PreferredBackupWindow: want.backupWindow,
    AvailabilityZones: want.availabilityZones.length > 0 ? want.availabilityZones : undefined,
    DBSubnetGroupName: want.subnetGroup,
    VpcSecurityGroupIds: want.securityGroupIds.length > 0 ? want.securityGroupIds : undefined,
    DeletionProtection: want.deletionProtection,
    ServerlessV2ScalingConfiguration: want.scaling ? { MinCapacity: want.scaling.min, MaxCapacity: want.scaling.max } : undefined,
    CopyTagsToSnapshot: true,
    Tags: toTags(want.tags),
  };
}

/** CreateDBInstance for the cluster's writer (`<cluster>-primary`). */
export function buildCreateWriter(want: DesiredCluster): CreateDBInstanceMessage {
  return {
    DBInstanceIdentifier: want.writerIdentifier,
    DBClusterIdentifier: want.identifier,
    Engine: AURORA_ENGINE,
    DBInstanceClass: want.instanceClass,
    AutoMinorVersionUpgrade: true,
    PubliclyAccessible: want.publiclyAccessible,
    AvailabilityZone: want.availabilityZones[0],
    PreferredMaintenanceWindow: want.maintenanceWindow,
    PromotionTier: 0,
    Tags: toTags(want.tags),
  };
}

/** ModifyDBCluster carrying only the cluster-level `plan.fields`. */
export function buildModifyCluster(want: DesiredCluster, plan: ApplyPlan, engineVersion?: string): ModifyDBClusterMessage {
  const has = (f: Field) => plan.fields.includes(f);
  const request: ModifyDBClusterMessage = { DBClusterIdentifier: want.identifier, ApplyImmediately: plan.applyImmediately };
  if (has('backupRetention')) request.BackupRetentionPeriod = want.backupRetentionDays;
  if (has('maintenanceWindow')) request.PreferredMaintenanceWindow = want.maintenanceWindow;
  if (has('backupWindow')) request.PreferredBackupWindow = want.backupWindow;
  if (has('deletionProtection')) request.DeletionProtection = want.deletionProtection;
  if (has('securityGroups')) request.VpcSecurityGroupIds = want.securityGroupIds;
  if (has('storageType')) request.StorageType = want.storageType;
  if (has('scaling') && want.scaling) request.ServerlessV2ScalingConfiguration = { MinCapacity: want.scaling.min, MaxCapacity: want.scaling.max };
  if (has('engineVersion') && engineVersion) {
    request.EngineVersion = engineVersion;
    request.AllowMajorVersionUpgrade = true;
  }
  return request;
}

/** ModifyDBInstance for the writer's own settings (class, public access, maintenance window). */
export function buildModifyWriter(want: DesiredCluster, plan: ApplyPlan): ModifyDBInstanceMessage {
  const has = (f: Field) => plan.fields.includes(f);
  const request: ModifyDBInstanceMessage = { DBInstanceIdentifier: want.writerIdentifier, ApplyImmediately: plan.applyImmediately };
  if (has('instanceClass')) request.DBInstanceClass = want.instanceClass;
  if (has('publiclyAccessible')) request.PubliclyAccessible = want.publiclyAccessible;
  if (has('maintenanceWindow')) request.PreferredMaintenanceWindow = want.maintenanceWindow;
  return request;
}

/** ModifyDBCluster for a new master password (see buildPasswordModifyInstance for ApplyImmediately). */
export function buildPasswordModifyCluster(identifier: string, password: string): ModifyDBClusterMessage {
  return { DBClusterIdentifier: identifier, MasterUserPassword: password, ApplyImmediately: false };
}

/** DeleteDBCluster with a final cluster snapshot, or without when `snapshotId` is undefined. */
export function buildDeleteCluster(identifier: string, snapshotId: string | undefined): DeleteDBClusterMessage {
  return snapshotId
    ? { DBClusterIdentifier: identifier, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: snapshotId }
    : { DBClusterIdentifier: identifier, SkipFinalSnapshot: true };
}
