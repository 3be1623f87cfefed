import { describe, expect, it } from '@jest/globals';
import { normalizeSection } from './config.js';
import { OWNER_TAG, autogrowLimit, desiredCluster, desiredInstance } from './desired.js';

const section = normalizeSection({
  region: 'eu-central-1',
  vpc_security_group_ids: ['sg-1'],
  subnet_group: 'subnets',
  availability_zone: 'eu-central-1a',
  availability_zones: ['eu-central-1b'],
  tags: { owner: '{namespace}' },
  classes: {
    small: { instance_type: 'db.m5.large', storage_type: 'gp2', iops: 1000 },
    sls: { instance_type: 'db.serverless', scaling_configuration: { min_capacity: 0.5, max_capacity: 2 } },
  },
  default_class: 'small',
});

describe('desired state', () => {
  it('derives an RDS instance from spec and config', () => {
    const want = desiredInstance({ namespace: 'team', name: 'orders', version: '16', spec: { size: { storageGB: 30 }, credentialsSecret: 's', backup: { retentionDays: 3 } } }, section);
    expect(want).toMatchObject({
      identifier: 'team-orders',
      instanceClass: 'db.m5.large',
      storageGB: 30,
      iops: undefined, // gp2 takes no IOPS
      maxAllocatedStorage: undefined,
      backupRetentionDays: 3,
      multiAZ: false,
      availabilityZone: 'eu-central-1a',
      major: '16',
      pinnedMajor: undefined,
      tags: { owner: 'team', [OWNER_TAG]: 'team/orders' },
    });
  });

  it('derives an Aurora cluster with its writer and capacity', () => {
    const want = desiredCluster({ namespace: 'team', name: 'bi', version: '17', spec: { version: 17, size: { storageGB: 20, class: 'sls' }, credentialsSecret: 's' } }, section);
    expect(want).toMatchObject({ identifier: 'team-bi', writerIdentifier: 'team-bi-primary', scaling: { min: 0.5, max: 2 }, availabilityZones: ['eu-central-1b'], pinnedMajor: '17', backupRetentionDays: 7 });
  });

  it('caps storage autoscaling at the storage limit when it leaves room, else at twice the size', () => {
    expect(autogrowLimit(100, 500)).toBe(500);
    expect(autogrowLimit(100, 105)).toBe(200);
    expect(autogrowLimit(100, null)).toBe(200);
  });
});
