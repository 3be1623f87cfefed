/**
 * RDS instances and Aurora clusters exactly as the Python operator's `create_or_update_server`
 * built them (MaibornWolff/hybrid-cloud-postgresql-operator, hybridcloud/backends/aws_rds.py and
 * aws_aurora.py), sent to the RDS emulator through the real SDK:
 * - tags `hybridcloud-postgresql-operator:namespace` / `:name` plus the config's tags;
 * - RDS: backup retention `backup.retentionDays` or 7, storage type of the class or gp2,
 *   EngineVersion from its `_map_version` (15 → "15.3"), AvailabilityZone (config or
 *   eu-central-1a) without HA, no maintenance window: its `calculate_maintenance_window` raised
 *   on every spec that named one (`start_hour + 1` on a string), so none was ever set;
 * - Aurora: a cluster with backup retention `backup.retentionDays` or **1**, DatabaseName
 *   postgres, EngineMode provisioned, storage type aurora, EngineVersion 15 → "15.2"; and its
 *   writer `<cluster>-primary`.
 */
import { CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import type { RdsEmulator } from '../rds-emulator/index.js';
import { TEST_CREDENTIALS } from '../rds-emulator/fixtures.js';
import { DEFAULT_CATALOG } from '../rds-emulator/model.js';

/** The emulator's catalog plus the minors the Python operator pinned (RDS offered them then). */
export const CATALOG_WITH_PYTHON_MINORS = {
  postgres: ['15.3', ...DEFAULT_CATALOG.postgres!],
  'aurora-postgresql': ['15.2', ...DEFAULT_CATALOG['aurora-postgresql']!],
};

export interface PythonAwsServer {
  identifier: string;
  namespace: string;
  name: string;
  instanceClass: string;
  password: string;
  storageGB?: number;
  retentionDays?: number;
}

function tags(namespace: string, name: string) {
  return [
    { Key: 'hybridcloud-postgresql-operator:namespace', Value: namespace },
    { Key: 'hybridcloud-postgresql-operator:name', Value: name },
  ];
}

function client(emulator: RdsEmulator): RDSClient {
  return new RDSClient({ region: emulator.region, endpoint: emulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

export async function createPythonRdsInstance(emulator: RdsEmulator, s: PythonAwsServer): Promise<void> {
  const rds = client(emulator);
  try {
    await rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: s.identifier,
      AllocatedStorage: s.storageGB ?? 20,
      DBInstanceClass: s.instanceClass,
      Engine: 'postgres',
      MasterUsername: 'postgres',
      MasterUserPassword: s.password,
      VpcSecurityGroupIds: [],
      DBSubnetGroupName: 'db-subnets',
      BackupRetentionPeriod: s.retentionDays ?? 7,
      Port: 5432,
      MultiAZ: false,
      EngineVersion: '15.3',
      AutoMinorVersionUpgrade: true,
      PubliclyAccessible: false,
      Tags: tags(s.namespace, s.name),
      StorageType: 'gp2',
      StorageEncrypted: true,
      CopyTagsToSnapshot: true,
      DeletionProtection: false,
      AvailabilityZone: 'eu-central-1a',
    }));
  } finally {
    rds.destroy();
  }
  emulator.settle();
}

export async function createPythonAuroraCluster(emulator: RdsEmulator, s: PythonAwsServer): Promise<void> {
  const rds = client(emulator);
  try {
    await rds.send(new CreateDBClusterCommand({
      DBClusterIdentifier: s.identifier,
      AvailabilityZones: [],
      BackupRetentionPeriod: s.retentionDays ?? 1,
      DatabaseName: 'postgres',
      VpcSecurityGroupIds: [],
      DBSubnetGroupName: 'db-subnets',
      Engine: 'aurora-postgresql',
      EngineVersion: '15.2',
      Port: 5432,
      MasterUsername: 'postgres',
      MasterUserPassword: s.password,
      Tags: tags(s.namespace, s.name),
      StorageEncrypted: true,
      EngineMode: 'provisioned',
      DeletionProtection: false,
      CopyTagsToSnapshot: true,
      StorageType: 'aurora',
      AutoMinorVersionUpgrade: true,
    }));
    emulator.settle();
    await rds.send(new CreateDBInstanceCommand({
      DBClusterIdentifier: s.identifier,
      DBInstanceIdentifier: `${s.identifier}-primary`,
      DBInstanceClass: s.instanceClass,
      PubliclyAccessible: false,
      Engine: 'aurora-postgresql',
    }));
  } finally {
    rds.destroy();
  }
  emulator.settle();
}
