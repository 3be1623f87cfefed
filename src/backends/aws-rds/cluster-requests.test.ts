import { describe, expect, it } from '@jest/globals';
import { buildCreateCluster, buildCreateWriter, buildDeleteCluster, buildModifyCluster, buildModifyWriter, buildPasswordModifyCluster } from './cluster-requests.js';
import type { DesiredCluster } from './desired.js';

const want: DesiredCluster = {
  identifier: 'default-analytics',
  writerIdentifier: 'default-analytics-primary',
  instanceClass: 'db.serverless',
  scaling: { min: 0.5, max: 4 },
  backupRetentionDays: 7,
  major: '16',
  deletionProtection: false,
  publiclyAccessible: false,
  securityGroupIds: [],
  subnetGroup: 'subnets',
  adminUsername: 'postgres',
  tags: { team: 'a' },
  availabilityZones: ['eu-central-1b', 'eu-central-1c'],
};

describe('Aurora requests', () => {
  it('builds CreateDBCluster with Serverless v2 capacity and encryption', () => {
    expect(buildCreateCluster(want, '16.6', 'pw-123456789')).toEqual({
      DBClusterIdentifier: 'default-analytics',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.6',
      MasterUsername: 'postgres',
      MasterUserPassword: 'pw-123456789',
      StorageEncrypted: true,
      StorageType: undefined,
      BackupRetentionPeriod: 7,
      PreferredMaintenanceWindow: undefined,
      PreferredBackupWindow: undefined,
      AvailabilityZones: ['eu-central-1b', 'eu-central-1c'],
      DBSubnetGroupName: 'subnets',
      VpcSecurityGroupIds: undefined,
      DeletionProtection: false,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      CopyTagsToSnapshot: true,
      Tags: [{ Key: 'team', Value: 'a' }],
    });
  });

  it('builds the writer in the first AZ', () => {
    expect(buildCreateWriter(want)).toMatchObject({
      DBInstanceIdentifier: 'default-analytics-primary',
      DBClusterIdentifier: 'default-analytics',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.serverless',
      AvailabilityZone: 'eu-central-1b',
      PromotionTier: 0,
    });
  });

  it('modifies cluster and writer with only their planned fields', () => {
    expect(buildModifyCluster(want, { fields: ['scaling', 'engineVersion'], applyImmediately: true }, '17.4')).toEqual({
      DBClusterIdentifier: 'default-analytics',
      ApplyImmediately: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      EngineVersion: '17.4',
      AllowMajorVersionUpgrade: true,
    });
    expect(buildModifyWriter(want, { fields: ['instanceClass'], applyImmediately: false })).toEqual({
      DBInstanceIdentifier: 'default-analytics-primary',
      ApplyImmediately: false,
      DBInstanceClass: 'db.serverless',
    });
  });

  it('changes the password and deletes the cluster', () => {
    expect(buildPasswordModifyCluster('default-analytics', 'pw')).toEqual({ DBClusterIdentifier: 'default-analytics', MasterUserPassword: 'pw', ApplyImmediately: false });
    expect(buildDeleteCluster('default-analytics', undefined)).toEqual({ DBClusterIdentifier: 'default-analytics', SkipFinalSnapshot: true });
    expect(buildDeleteCluster('default-analytics', 's-1')).toEqual({ DBClusterIdentifier: 'default-analytics', SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: 's-1' });
  });
});
