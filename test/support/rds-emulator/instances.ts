import { stage } from './model.js';
import type { RdsModel } from './model.js';
import { RdsFault } from './params.js';
import type { Params } from './params.js';
import { checkBackupWindow, checkIdentifier, checkMaintenanceWindow, checkWindowsApart, requireParam, statusOf } from './state.js';
import type { ClusterRecord, InstanceRecord, PendingValues } from './state.js';

/** Modify parameters RDS defers to the maintenance window unless ApplyImmediately is set. */
const DEFERRABLE = ['DBInstanceClass', 'AllocatedStorage', 'StorageType', 'Iops', 'MultiAZ', 'EngineVersion', 'BackupRetentionPeriod'] as const;

export function createInstance(model: RdsModel, p: Params): Record<string, unknown> {
  const id = requireParam(p.str('DBInstanceIdentifier'), 'DBInstanceIdentifier');
  checkIdentifier(id, 'DBInstanceIdentifier');
  if (model.instances.has(id.toLowerCase())) throw new RdsFault('DBInstanceAlreadyExists', 'DB instance already exists');
  const engine = requireParam(p.str('Engine'), 'Engine');
  const clusterId = p.str('DBClusterIdentifier');
  const cluster = clusterId ? model.cluster(clusterId) : undefined;
  if (!cluster) checkStandalone(p);
  const maintenance = p.str('PreferredMaintenanceWindow') ?? 'sun:05:00-sun:05:30';
  const backup = p.str('PreferredBackupWindow') ?? '03:00-03:30';
  checkWindowsApart(maintenance, backup);
  const record: InstanceRecord = {
    ...(cluster ? clusterMember(cluster) : standalone(model, engine, p)),
    id: id.toLowerCase(),
    engine,
    instanceClass: requireParam(p.str('DBInstanceClass'), 'DBInstanceClass'),
    iops: p.num('Iops'),
    maxAllocatedStorage: p.num('MaxAllocatedStorage'),
    multiAZ: p.bool('MultiAZ') ?? false,
    maintenanceWindow: maintenance,
    backupWindow: backup,
    publiclyAccessible: p.bool('PubliclyAccessible') ?? false,
    deletionProtection: p.bool('DeletionProtection') ?? false,
    securityGroups: p.list('VpcSecurityGroupIds.VpcSecurityGroupId') ?? ['sg-default'],
    subnetGroup: p.str('DBSubnetGroupName'),
    availabilityZone: p.str('AvailabilityZone') ?? `${model.region}a`,
    autoMinorVersionUpgrade: p.bool('AutoMinorVersionUpgrade') ?? true,
    tags: p.tags(),
    arn: model.arn('db', id.toLowerCase()),
    transitions: [],
    pending: {},
    deferred: {},
    createdAt: new Date(),
  };
  model.instances.set(record.id, record);
  model.schedule(record, 'creating', model.delays.create, () => model.engineHook('instanceCreated', record));
  return { DBInstance: serializeInstance(model, record) };
}

/** What a standalone (non-Aurora) instance must bring. */
function checkStandalone(p: Params): void {
  requireParam(p.num('AllocatedStorage'), 'AllocatedStorage');
  requireParam(p.str('MasterUsername'), 'MasterUsername');
  const password = requireParam(p.str('MasterUserPassword'), 'MasterUserPassword');
  if (password.length < 8) throw new RdsFault('InvalidParameterValue', 'The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.');
  if (p.bool('MultiAZ') && p.has('AvailabilityZone')) {
    throw new RdsFault('InvalidParameterCombination', 'Requesting a specific availability zone is not valid for Multi-AZ instances.');
  }
}

type OwnSettings = Pick<InstanceRecord, 'engineVersion' | 'allocatedStorage' | 'storageType' | 'backupRetention' | 'masterUsername' | 'masterPassword' | 'storageEncrypted' | 'clusterId'>;

function standalone(model: RdsModel, engine: string, p: Params): OwnSettings {
  return {
    engineVersion: model.version(engine, p.str('EngineVersion')),
    allocatedStorage: p.num('AllocatedStorage'),
    storageType: p.str('StorageType') ?? 'gp2',
    backupRetention: p.num('BackupRetentionPeriod') ?? 1,
    masterUsername: p.str('MasterUsername'),
    masterPassword: p.str('MasterUserPassword'),
    storageEncrypted: p.bool('StorageEncrypted') ?? false,
  };
}

/** Aurora instances take version, storage, backups and the master user from their cluster. */
function clusterMember(cluster: ClusterRecord): OwnSettings {
  return {
    clusterId: cluster.id,
    engineVersion: cluster.engineVersion,
    backupRetention: cluster.backupRetention,
    masterUsername: cluster.masterUsername,
    storageEncrypted: cluster.storageEncrypted,
  };
}

export function describeInstances(model: RdsModel, p: Params): Record<string, unknown> {
  const id = p.str('DBInstanceIdentifier');
  const found = id ? [model.instance(id)] : [...model.instances.values()];
  return { DBInstances: found.map((r) => serializeInstance(model, r)) };
}

export function modifyInstance(model: RdsModel, p: Params): Record<string, unknown> {
  const r = model.instance(p.str('DBInstanceIdentifier'));
  model.requireModifiable(r);
  const values = deferrableValues(r, p);
  const now = p.bool('ApplyImmediately') ?? false;
  checkImmediateValues(r, p);
  applyImmediateValues(r, p);
  // Network and autoscaling changes take RDS a moment too (deletion protection and windows do not).
  if (p.has('PubliclyAccessible') || p.has('VpcSecurityGroupIds.VpcSecurityGroupId.1') || p.has('MaxAllocatedStorage')) {
    model.schedule(r, 'modifying', model.delays.modify, () => undefined);
  }
  if (now) {
    // ApplyImmediately also applies whatever waited for the maintenance window.
    stage(model, r, { ...r.deferred, ...values }, (v) => applyValues(r, v));
    r.deferred = {};
  } else {
    Object.assign(r.deferred, values);
  }
  const password = p.str('MasterUserPassword');
  if (password !== undefined) {
    if (r.clusterId) throw new RdsFault('InvalidParameterCombination', 'The master password of an Aurora instance is managed by its cluster.');
    r.pending.MasterUserPassword = '****';
    model.schedule(r, 'resetting-master-credentials', model.delays.password, () => {
      r.masterPassword = password;
      delete r.pending.MasterUserPassword;
      model.engineHook('masterPasswordChanged', r);
    });
  }
  return { DBInstance: serializeInstance(model, r) };
}

export function deleteInstance(model: RdsModel, p: Params): Record<string, unknown> {
  const r = model.instance(p.str('DBInstanceIdentifier'));
  const status = statusOf(r);
  if (status === 'deleting' || status === 'creating') throw new RdsFault('InvalidDBInstanceState', `Instance ${r.id} is already being ${status === 'deleting' ? 'deleted' : 'created'}.`);
  if (r.deletionProtection) throw new RdsFault('InvalidParameterCombination', 'Cannot delete protected DB Instance, please disable deletion protection and try again.');
  const snapshot = p.str('FinalDBSnapshotIdentifier');
  if (!r.clusterId) {
    if (!snapshot && p.bool('SkipFinalSnapshot') !== true) throw new RdsFault('InvalidParameterCombination', 'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
    if (snapshot) {
      checkIdentifier(snapshot.length > 63 ? snapshot.slice(0, 63) : snapshot, 'FinalDBSnapshotIdentifier');
      if (snapshot.length > 255) throw new RdsFault('InvalidParameterValue', 'FinalDBSnapshotIdentifier is longer than 255 characters.');
      if (model.snapshots.has(snapshot)) throw new RdsFault('DBSnapshotAlreadyExists', `Cannot create the snapshot because a snapshot with the identifier ${snapshot} already exists.`);
    }
  } else if (snapshot) {
    throw new RdsFault('InvalidParameterCombination', 'FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance.');
  }
  r.transitions = [];
  model.schedule(r, 'deleting', model.delays.delete, () => {
    if (snapshot) model.snapshots.add(snapshot);
    model.instances.delete(r.id);
  });
  return { DBInstance: serializeInstance(model, r) };
}

/** Applies what waited for the maintenance window (tests call it through the emulator). */
export function runInstanceMaintenance(model: RdsModel, r: InstanceRecord): void {
  stage(model, r, r.deferred, (v) => applyValues(r, v));
  r.deferred = {};
}

function deferrableValues(r: InstanceRecord, p: Params): PendingValues {
  const out: PendingValues = {};
  for (const key of DEFERRABLE) {
    const raw = p.str(key);
    if (raw === undefined) continue;
    out[key] = key === 'DBInstanceClass' || key === 'StorageType' || key === 'EngineVersion' ? raw : key === 'MultiAZ' ? raw === 'true' : Number(raw);
  }
  const storage = out.AllocatedStorage as number | undefined;
  if (storage !== undefined && storage < (r.allocatedStorage ?? 0)) {
    throw new RdsFault('InvalidParameterCombination', `Invalid storage size for engine name postgres and storage type ${r.storageType}: ${storage}`);
  }
  const version = out.EngineVersion as string | undefined;
  if (version !== undefined && version.split('.')[0] !== r.engineVersion.split('.')[0] && p.bool('AllowMajorVersionUpgrade') !== true) {
    throw new RdsFault('InvalidParameterCombination', 'The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.');
  }
  if (p.bool('MultiAZ') && r.clusterId) throw new RdsFault('InvalidParameterCombination', 'Aurora instances do not support MultiAZ.');
  return out;
}

function checkImmediateValues(r: InstanceRecord, p: Params): void {
  const maintenance = p.str('PreferredMaintenanceWindow') ?? r.maintenanceWindow;
  const backup = p.str('PreferredBackupWindow') ?? r.backupWindow;
  if (p.has('PreferredMaintenanceWindow')) checkMaintenanceWindow(maintenance);
  if (p.has('PreferredBackupWindow')) checkBackupWindow(backup);
  checkWindowsApart(maintenance, backup);
  const max = p.num('MaxAllocatedStorage');
  const allocated = p.num('AllocatedStorage') ?? r.allocatedStorage ?? 0;
  if (max !== undefined && max < allocated) throw new RdsFault('InvalidParameterCombination', `Max storage size must be greater than storage size`);
}

/** Settings RDS applies at once, whatever ApplyImmediately says. */
function applyImmediateValues(r: InstanceRecord, p: Params): void {
  const allocated = p.num('AllocatedStorage') ?? r.allocatedStorage ?? 0;
  const max = p.num('MaxAllocatedStorage');
  // A ceiling equal to the allocated size turns storage autoscaling off.
  if (max !== undefined) r.maxAllocatedStorage = max > allocated ? max : undefined;
  r.maintenanceWindow = (p.str('PreferredMaintenanceWindow') ?? r.maintenanceWindow).toLowerCase();
  r.backupWindow = p.str('PreferredBackupWindow') ?? r.backupWindow;
  r.deletionProtection = p.bool('DeletionProtection') ?? r.deletionProtection;
  r.publiclyAccessible = p.bool('PubliclyAccessible') ?? r.publiclyAccessible;
  r.autoMinorVersionUpgrade = p.bool('AutoMinorVersionUpgrade') ?? r.autoMinorVersionUpgrade;
  r.securityGroups = p.list('VpcSecurityGroupIds.VpcSecurityGroupId') ?? r.securityGroups;
}

function applyValues(r: InstanceRecord, v: PendingValues): void {
  if (v.DBInstanceClass !== undefined) r.instanceClass = String(v.DBInstanceClass);
  if (v.AllocatedStorage !== undefined) r.allocatedStorage = Number(v.AllocatedStorage);
  if (v.StorageType !== undefined) r.storageType = String(v.StorageType);
  if (v.Iops !== undefined) r.iops = Number(v.Iops);
  if (v.MultiAZ !== undefined) r.multiAZ = Boolean(v.MultiAZ);
  if (v.EngineVersion !== undefined) r.engineVersion = String(v.EngineVersion);
  if (v.BackupRetentionPeriod !== undefined) r.backupRetention = Number(v.BackupRetentionPeriod);
}

export function serializeInstance(model: RdsModel, r: InstanceRecord): Record<string, unknown> {
  const status = statusOf(r);
  const pending = { ...r.deferred, ...r.pending };
  return {
    DBInstanceIdentifier: r.id,
    DBInstanceClass: r.instanceClass,
    Engine: r.engine,
    DBInstanceStatus: status,
    MasterUsername: r.masterUsername,
    Endpoint: status === 'creating' ? undefined : { ...model.instanceEndpoint(r.id), HostedZoneId: 'Z1RLNUO7B9Q6NB' },
    AllocatedStorage: r.allocatedStorage,
    InstanceCreateTime: r.createdAt,
    PreferredBackupWindow: r.backupWindow,
    BackupRetentionPeriod: r.backupRetention,
    VpcSecurityGroups: r.securityGroups.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    AvailabilityZone: r.availabilityZone,
    DBSubnetGroup: r.subnetGroup ? { DBSubnetGroupName: r.subnetGroup, SubnetGroupStatus: 'Complete' } : undefined,
    PreferredMaintenanceWindow: r.maintenanceWindow,
    PendingModifiedValues: Object.keys(pending).length > 0 ? pending : undefined,
    MultiAZ: r.multiAZ,
    EngineVersion: r.engineVersion,
    AutoMinorVersionUpgrade: r.autoMinorVersionUpgrade,
    Iops: r.iops,
    PubliclyAccessible: r.publiclyAccessible,
    StorageType: r.storageType,
    DBClusterIdentifier: r.clusterId,
    StorageEncrypted: r.storageEncrypted,
    DBInstanceArn: r.arn,
    DeletionProtection: r.deletionProtection,
    MaxAllocatedStorage: r.maxAllocatedStorage,
    TagList: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}
