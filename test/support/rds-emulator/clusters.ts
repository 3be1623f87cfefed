import { stage } from './model.js';
import type { RdsModel } from './model.js';
import { RdsFault } from './params.js';
import type { Params } from './params.js';
import { checkIdentifier, checkWindowsApart, requireParam, statusOf } from './state.js';
import type { ClusterRecord } from './state.js';

export function createCluster(model: RdsModel, p: Params): Record<string, unknown> {
  const id = requireParam(p.str('DBClusterIdentifier'), 'DBClusterIdentifier');
  checkIdentifier(id, 'DBClusterIdentifier');
  if (model.clusters.has(id.toLowerCase())) throw new RdsFault('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
  const engine = requireParam(p.str('Engine'), 'Engine');
  const password = requireParam(p.str('MasterUserPassword'), 'MasterUserPassword');
  if (password.length < 8) throw new RdsFault('InvalidParameterValue', 'The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.');
  const backupRetention = p.num('BackupRetentionPeriod') ?? 1;
  if (backupRetention < 1) throw new RdsFault('InvalidParameterValue', 'Backup retention period must be between 1 and 35 for Aurora clusters.');
  const maintenance = p.str('PreferredMaintenanceWindow') ?? 'sun:05:00-sun:05:30';
  const backup = p.str('PreferredBackupWindow') ?? '03:00-03:30';
  checkWindowsApart(maintenance, backup);
  const record: ClusterRecord = {
    id: id.toLowerCase(),
    engine,
    engineVersion: model.version(engine, p.str('EngineVersion')),
    masterUsername: requireParam(p.str('MasterUsername'), 'MasterUsername'),
    masterPassword: password,
    backupRetention,
    maintenanceWindow: maintenance,
    backupWindow: backup,
    deletionProtection: p.bool('DeletionProtection') ?? false,
    securityGroups: p.list('VpcSecurityGroupIds.VpcSecurityGroupId') ?? ['sg-default'],
    subnetGroup: p.str('DBSubnetGroupName'),
    availabilityZones: p.list('AvailabilityZones.AvailabilityZone') ?? [`${model.region}a`, `${model.region}b`, `${model.region}c`],
    storageType: p.str('StorageType') ?? 'aurora',
    scaling: p.has('ServerlessV2ScalingConfiguration.MinCapacity')
      ? { min: p.num('ServerlessV2ScalingConfiguration.MinCapacity') as number, max: p.num('ServerlessV2ScalingConfiguration.MaxCapacity') as number }
      : undefined,
    storageEncrypted: p.bool('StorageEncrypted') ?? false,
    tags: p.tags(),
    arn: model.arn('cluster', id.toLowerCase()),
    transitions: [],
    pending: {},
    deferred: {},
    createdAt: new Date(),
  };
  model.clusters.set(record.id, record);
  model.schedule(record, 'creating', model.delays.create, () => undefined);
  return { DBCluster: serializeCluster(model, record) };
}

export function describeClusters(model: RdsModel, p: Params): Record<string, unknown> {
  const id = p.str('DBClusterIdentifier');
  const found = id ? [model.cluster(id)] : [...model.clusters.values()];
  return { DBClusters: found.map((r) => serializeCluster(model, r)) };
}

export function modifyCluster(model: RdsModel, p: Params): Record<string, unknown> {
  const r = model.cluster(p.str('DBClusterIdentifier'));
  model.requireClusterModifiable(r);
  const values = stagedValues(r, p);
  applyClusterSettings(r, p);
  if (p.bool('ApplyImmediately') || !values.EngineVersion) {
    stage(model, r, values, (v) => {
      if (v.BackupRetentionPeriod !== undefined) r.backupRetention = Number(v.BackupRetentionPeriod);
      if (v.StorageType !== undefined) r.storageType = String(v.StorageType);
      if (v.EngineVersion !== undefined) r.engineVersion = String(v.EngineVersion);
    });
  } else {
    Object.assign(r.deferred, values);
  }
  const password = p.str('MasterUserPassword');
  if (password !== undefined) {
    r.pending.MasterUserPassword = '****';
    model.schedule(r, 'resetting-master-credentials', model.delays.password, () => {
      r.masterPassword = password;
      delete r.pending.MasterUserPassword;
    });
  }
  return { DBCluster: serializeCluster(model, r) };
}

/** Changes the cluster shows as pending while it is modifying. */
function stagedValues(r: ClusterRecord, p: Params): Record<string, string | number> {
  const version = p.str('EngineVersion');
  if (version && version.split('.')[0] !== r.engineVersion.split('.')[0] && p.bool('AllowMajorVersionUpgrade') !== true) {
    throw new RdsFault('InvalidParameterCombination', 'The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.');
  }
  const retention = p.num('BackupRetentionPeriod');
  if (retention !== undefined && retention < 1) throw new RdsFault('InvalidParameterValue', 'Backup retention period must be between 1 and 35 for Aurora clusters.');
  const values: Record<string, string | number> = {};
  if (retention !== undefined) values.BackupRetentionPeriod = retention;
  if (p.str('StorageType')) values.StorageType = p.str('StorageType') as string;
  if (version) values.EngineVersion = version;
  return values;
}

/** Settings Aurora applies at once. */
function applyClusterSettings(r: ClusterRecord, p: Params): void {
  const maintenance = p.str('PreferredMaintenanceWindow') ?? r.maintenanceWindow;
  const backup = p.str('PreferredBackupWindow') ?? r.backupWindow;
  checkWindowsApart(maintenance, backup);
  r.maintenanceWindow = maintenance.toLowerCase();
  r.backupWindow = backup;
  r.deletionProtection = p.bool('DeletionProtection') ?? r.deletionProtection;
  r.securityGroups = p.list('VpcSecurityGroupIds.VpcSecurityGroupId') ?? r.securityGroups;
  if (p.has('ServerlessV2ScalingConfiguration.MinCapacity')) {
    r.scaling = { min: p.num('ServerlessV2ScalingConfiguration.MinCapacity') as number, max: p.num('ServerlessV2ScalingConfiguration.MaxCapacity') as number };
  }
}

export function deleteCluster(model: RdsModel, p: Params): Record<string, unknown> {
  const r = model.cluster(p.str('DBClusterIdentifier'));
  const status = statusOf(r);
  if (status === 'deleting') throw new RdsFault('InvalidDBClusterStateFault', `Cluster ${r.id} is already being deleted.`);
  if (r.deletionProtection) throw new RdsFault('InvalidParameterCombination', 'Cannot delete protected Cluster, please disable deletion protection and try again.');
  if (members(model, r).some((i) => statusOf(i) !== 'deleting')) throw new RdsFault('InvalidDBClusterStateFault', 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
  const snapshot = p.str('FinalDBSnapshotIdentifier');
  if (!snapshot && p.bool('SkipFinalSnapshot') !== true) throw new RdsFault('InvalidParameterCombination', 'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
  if (snapshot && model.clusterSnapshots.has(snapshot)) {
    throw new RdsFault('DBClusterSnapshotAlreadyExistsFault', `Cannot create the cluster snapshot because one with the identifier ${snapshot} already exists.`);
  }
  r.transitions = [];
  model.schedule(r, 'deleting', model.delays.delete, () => {
    if (snapshot) model.clusterSnapshots.add(snapshot);
    model.clusters.delete(r.id);
  });
  return { DBCluster: serializeCluster(model, r) };
}

function members(model: RdsModel, r: ClusterRecord) {
  return [...model.instances.values()].filter((i) => i.clusterId === r.id);
}

export function serializeCluster(model: RdsModel, r: ClusterRecord): Record<string, unknown> {
  const status = statusOf(r);
  const pending = { ...r.deferred, ...r.pending };
  const writer = members(model, r)[0]?.id;
  return {
    AvailabilityZones: r.availabilityZones,
    BackupRetentionPeriod: r.backupRetention,
    DBClusterIdentifier: r.id,
    DBSubnetGroup: r.subnetGroup,
    Status: status,
    Endpoint: model.host(r.id, true),
    ReaderEndpoint: model.host(`${r.id}-ro`, true),
    MultiAZ: false,
    Engine: r.engine,
    EngineVersion: r.engineVersion,
    Port: 5432,
    MasterUsername: r.masterUsername,
    PreferredBackupWindow: r.backupWindow,
    PreferredMaintenanceWindow: r.maintenanceWindow,
    DBClusterMembers: members(model, r).map((i) => ({ DBInstanceIdentifier: i.id, IsClusterWriter: i.id === writer, PromotionTier: 1 })),
    VpcSecurityGroups: r.securityGroups.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    StorageEncrypted: r.storageEncrypted,
    DBClusterArn: r.arn,
    ClusterCreateTime: r.createdAt,
    PendingModifiedValues: Object.keys(pending).length > 0 ? pending : undefined,
    EngineMode: 'provisioned',
    StorageType: r.storageType,
    DeletionProtection: r.deletionProtection,
    ServerlessV2ScalingConfiguration: r.scaling ? { MinCapacity: r.scaling.min, MaxCapacity: r.scaling.max } : undefined,
    TagList: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}
