import { describe, expect, it } from '@jest/globals';
import type { DesiredInstance } from './desired.js';
import { buildCreateInstance, buildDeleteInstance, buildModifyInstance, buildPasswordModifyInstance, toTags } from './instance-requests.js';

const want: DesiredInstance = {
  identifier: 'default-db',
  instanceClass: 'db.m5.large',
  storageType: 'io1',
  iops: 3000,
  storageGB: 100,
  maxAllocatedStorage: 200,
  backupRetentionDays: 7,
  maintenanceWindow: 'wed:03:00-wed:03:30',
  backupWindow: '02:00-02:30',
  major: '16',
  deletionProtection: true,
  publiclyAccessible: false,
  securityGroupIds: ['sg-1'],
  subnetGroup: 'subnets',
  adminUsername: 'postgres',
  tags: { b: '2', a: '1' },
  multiAZ: false,
  availabilityZone: 'eu-central-1a',
};

describe('RDS instance requests', () => {
  it('builds CreateDBInstance from the desired state', () => {
    expect(buildCreateInstance(want, '16.8', 'pw-123456789')).toEqual({
      DBInstanceIdentifier: 'default-db',
      Engine: 'postgres',
      EngineVersion: '16.8',
      AutoMinorVersionUpgrade: true,
      DBInstanceClass: 'db.m5.large',
      AllocatedStorage: 100,
      StorageType: 'io1',
      Iops: 3000,
      MaxAllocatedStorage: 200,
      StorageEncrypted: true,
      MasterUsername: 'postgres',
      MasterUserPassword: 'pw-123456789',
      BackupRetentionPeriod: 7,
      PreferredMaintenanceWindow: 'wed:03:00-wed:03:30',
      PreferredBackupWindow: '02:00-02:30',
      MultiAZ: false,
      AvailabilityZone: 'eu-central-1a',
      DBSubnetGroupName: 'subnets',
      VpcSecurityGroupIds: ['sg-1'],
      PubliclyAccessible: false,
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    });
  });

  it('leaves the AZ to RDS for Multi-AZ instances', () => {
    expect(buildCreateInstance({ ...want, multiAZ: true }, '16.8', 'pw').AvailabilityZone).toBeUndefined();
  });

  it('modifies only the planned fields', () => {
    expect(buildModifyInstance(want, { fields: ['backupRetention', 'deletionProtection'], applyImmediately: true })).toEqual({
      DBInstanceIdentifier: 'default-db',
      ApplyImmediately: true,
      BackupRetentionPeriod: 7,
      DeletionProtection: true,
    });
  });

  it('repeats IOPS with storage changes and allows the major upgrade it sends', () => {
    expect(buildModifyInstance(want, { fields: ['storage', 'engineVersion'], applyImmediately: false }, { engineVersion: '17.4' })).toEqual({
      DBInstanceIdentifier: 'default-db',
      ApplyImmediately: false,
      AllocatedStorage: 100,
      Iops: 3000,
      EngineVersion: '17.4',
      AllowMajorVersionUpgrade: true,
    });
  });

  it('switches autoscaling off with a ceiling at the live allocation', () => {
    const off = { ...want, maxAllocatedStorage: undefined };
    expect(buildModifyInstance(off, { fields: ['maxAllocatedStorage'], applyImmediately: true }, { allocatedGB: 130 }).MaxAllocatedStorage).toBe(130);
    expect(buildModifyInstance(off, { fields: ['maxAllocatedStorage'], applyImmediately: true }).MaxAllocatedStorage).toBe(100);
  });

  it('changes the password without flushing pending modifications', () => {
    expect(buildPasswordModifyInstance('default-db', 'new-pw')).toEqual({ DBInstanceIdentifier: 'default-db', MasterUserPassword: 'new-pw', ApplyImmediately: false });
  });

  it('deletes with or without a final snapshot', () => {
    expect(buildDeleteInstance('default-db', 'default-db-final-20260101000000')).toEqual({
      DBInstanceIdentifier: 'default-db',
      SkipFinalSnapshot: false,
      FinalDBSnapshotIdentifier: 'default-db-final-20260101000000',
    });
    expect(buildDeleteInstance('default-db', undefined)).toEqual({ DBInstanceIdentifier: 'default-db', SkipFinalSnapshot: true });
  });

  it('sorts tags for stable requests', () => {
    expect(toTags({ z: '1', a: '2' }).map((t) => t.Key)).toEqual(['a', 'z']);
  });
});
