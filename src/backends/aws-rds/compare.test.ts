import { describe, expect, it } from '@jest/globals';
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import { compareCluster, compareInstance, compareWriter } from './compare.js';
import type { DesiredCluster, DesiredInstance } from './desired.js';

const want: DesiredInstance = {
  identifier: 'default-db',
  instanceClass: 'db.m5.large',
  storageType: 'gp3',
  storageGB: 50,
  backupRetentionDays: 7,
  maintenanceWindow: 'wed:03:00-wed:03:30',
  backupWindow: '02:00-02:30',
  major: '16',
  pinnedMajor: '16',
  deletionProtection: false,
  publiclyAccessible: false,
  securityGroupIds: ['sg-1'],
  adminUsername: 'postgres',
  tags: { team: 'a' },
  multiAZ: false,
};

const have: DBInstance = {
  DBInstanceIdentifier: 'default-db',
  DBInstanceClass: 'db.m5.large',
  StorageType: 'gp3',
  AllocatedStorage: 50,
  BackupRetentionPeriod: 7,
  PreferredMaintenanceWindow: 'wed:03:00-wed:03:30',
  PreferredBackupWindow: '02:00-02:30',
  EngineVersion: '16.4',
  DeletionProtection: false,
  PubliclyAccessible: false,
  MultiAZ: false,
  StorageEncrypted: true,
  VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1', Status: 'active' }],
  TagList: [{ Key: 'team', Value: 'a' }, { Key: 'extra', Value: 'kept' }],
};

const fields = (c: { differences: { field: string }[] }) => c.differences.map((d) => d.field);

describe('compareInstance', () => {
  it('finds nothing to do when RDS matches the spec (minor versions and extra tags ignored)', () => {
    expect(compareInstance(want, have)).toMatchObject({ differences: [], pending: [], warnings: [] });
  });

  it('reports each differing setting', () => {
    const drifted: DBInstance = {
      ...have,
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      StorageType: 'gp2',
      BackupRetentionPeriod: 1,
      PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      PreferredBackupWindow: '03:00-03:30',
      EngineVersion: '15.8',
      DeletionProtection: true,
      PubliclyAccessible: true,
      MultiAZ: true,
      MaxAllocatedStorage: 100,
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-other', Status: 'active' }],
      TagList: [],
    };
    const cmp = compareInstance(want, drifted);
    expect(fields(cmp).sort()).toEqual(
      ['backupRetention', 'backupWindow', 'deletionProtection', 'engineVersion', 'instanceClass', 'maintenanceWindow', 'maxAllocatedStorage', 'multiAZ', 'publiclyAccessible', 'securityGroups', 'storage', 'storageType', 'tags'].sort(),
    );
    expect(cmp.upgradeTo).toBe('16');
    expect(cmp.missingTags).toEqual({ team: 'a' });
  });

  it('counts pending modifications as applied', () => {
    const pending: DBInstance = { ...have, DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, PendingModifiedValues: { DBInstanceClass: 'db.m5.large', AllocatedStorage: 50 } };
    const cmp = compareInstance(want, pending);
    expect(cmp.differences).toEqual([]);
    expect(cmp.pending).toEqual(['instance class → db.m5.large', 'storage GB → 50']);
  });

  it('warns instead of shrinking storage, and accepts storage grown by autoscaling', () => {
    expect(compareInstance(want, { ...have, AllocatedStorage: 80 }).warnings[0]).toContain('cannot shrink');
    const autogrow = { ...want, maxAllocatedStorage: 100 };
    const grown = compareInstance(autogrow, { ...have, AllocatedStorage: 80, MaxAllocatedStorage: 100 });
    expect(grown).toMatchObject({ differences: [], warnings: [] });
    expect(compareInstance(autogrow, { ...have, AllocatedStorage: 100, MaxAllocatedStorage: 100 }).warnings[0]).toContain('ceiling');
  });

  it('leaves windows and IOPS alone when the spec does not set them', () => {
    const loose = { ...want, maintenanceWindow: undefined, backupWindow: undefined, pinnedMajor: undefined };
    expect(compareInstance(loose, { ...have, PreferredMaintenanceWindow: 'mon:01:00-mon:01:30', Iops: 3000, EngineVersion: '17.1' }).differences).toEqual([]);
  });

  it('warns about unencrypted storage it cannot fix', () => {
    expect(compareInstance(want, { ...have, StorageEncrypted: false }).warnings[0]).toContain('not encrypted');
  });
});

describe('compareCluster and compareWriter', () => {
  const cluster: DesiredCluster = {
    ...want,
    identifier: 'default-db',
    writerIdentifier: 'default-db-primary',
    instanceClass: 'db.serverless',
    storageType: undefined,
    scaling: { min: 0.5, max: 2 },
    availabilityZones: [],
  };
  const haveCluster: DBCluster = {
    BackupRetentionPeriod: 7,
    PreferredMaintenanceWindow: 'wed:03:00-wed:03:30',
    PreferredBackupWindow: '02:00-02:30',
    EngineVersion: '16.6',
    DeletionProtection: false,
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1', Status: 'active' }],
    TagList: [{ Key: 'team', Value: 'a' }],
    ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 },
    StorageEncrypted: true,
  };

  it('matches an up-to-date cluster', () => {
    expect(compareCluster(cluster, haveCluster).differences).toEqual([]);
  });

  it('notices capacity, storage type and pending retention', () => {
    const cmp = compareCluster({ ...cluster, storageType: 'aurora-iopt1' }, { ...haveCluster, ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 2 }, PendingModifiedValues: { BackupRetentionPeriod: 7 }, BackupRetentionPeriod: 1 });
    expect(fields(cmp)).toEqual(['scaling', 'storageType']);
    expect(cmp.pending).toEqual(['backup retention → 7']);
  });

  it('compares Serverless v2 capacity as the API reports it: not at all when a serverless writer runs without one reported', () => {
    const silent = { ...haveCluster, ServerlessV2ScalingConfiguration: undefined };
    const notEchoed = compareCluster(cluster, silent, 'db.serverless');
    expect(fields(notEchoed)).toEqual([]);
    expect(notEchoed.warnings).toContain('the API does not report the Serverless v2 capacity; 0.5-2 ACU is not compared');
    // A provisioned writer: the cluster really has no capacity range yet.
    expect(compareCluster(cluster, silent, 'db.r6g.large').differences).toEqual([{ field: 'scaling', message: 'Serverless v2 capacity unset → 0.5-2 ACU' }]);
    expect(compareCluster(cluster, { ...haveCluster, ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 2 } }, 'db.serverless').differences)
      .toEqual([{ field: 'scaling', message: 'Serverless v2 capacity 1-2 → 0.5-2 ACU' }]);
  });

  it('compares the writer class and public access', () => {
    const writer: DBInstance = { DBInstanceClass: 'db.r6g.large', PubliclyAccessible: true, PreferredMaintenanceWindow: 'wed:03:00-wed:03:30', TagList: [{ Key: 'team', Value: 'a' }] };
    expect(fields(compareWriter(cluster, writer))).toEqual(['instanceClass', 'publiclyAccessible']);
  });
});
