import type { ServerSpec } from '../../api/types.js';
import { Reason } from '../../api/conditions.js';
import { renderTags } from '../common/naming.js';
import { resolveClass } from '../common/sizing.js';
import { PermanentError } from '../errors.js';
import type { AwsClass, AwsSection } from './config.js';
import { pinnedMajor } from './engine-version.js';
import { serverIdentifier, writerIdentifier } from './identifiers.js';
import { rdsBackupWindow, rdsMaintenanceWindow } from './maintenance-window.js';

/** Default backup retention when the spec sets none (RDS's console default). */
export const DEFAULT_BACKUP_RETENTION_DAYS = 7;
/** Tag marking resources this operator manages, with the CR they belong to. */
export const OWNER_TAG = 'hybridcloud.maibornwolff.de/server';

export interface ServerRef {
  namespace: string;
  name: string;
  spec: ServerSpec;
  /** The major version `validate` resolved. */
  version: string;
}

/** Settings RDS instances and Aurora clusters share. */
interface DesiredCommon {
  identifier: string;
  instanceClass: string;
  storageType?: string;
  backupRetentionDays: number;
  /** Unset: the spec names no window, RDS keeps its own. */
  maintenanceWindow?: string;
  backupWindow?: string;
  /** The major to create; also the upgrade target when `pinnedMajor` is set. */
  major: string;
  pinnedMajor?: string;
  deletionProtection: boolean;
  publiclyAccessible: boolean;
  securityGroupIds: string[];
  subnetGroup?: string;
  adminUsername: string;
  tags: Record<string, string>;
}

export interface DesiredInstance extends DesiredCommon {
  storageGB: number;
  iops?: number;
  /** Storage autoscaling ceiling; unset = autoscaling off. */
  maxAllocatedStorage?: number;
  multiAZ: boolean;
  availabilityZone?: string;
}

export interface DesiredCluster extends DesiredCommon {
  writerIdentifier: string;
  scaling?: { min: number; max: number };
  availabilityZones: string[];
}

export function desiredInstance(ref: ServerRef, section: AwsSection): DesiredInstance {
  const { spec } = ref;
  const cls = classOf(spec, section);
  const storageGB = spec.size.storageGB;
  return {
    ...common(ref, section, cls),
    storageGB,
    iops: cls.iops && cls.storage_type !== 'gp2' ? cls.iops : undefined,
    maxAllocatedStorage: spec.size.storageAutoGrow ? autogrowLimit(storageGB, section.storage_limit_gb) : undefined,
    multiAZ: spec.highavailability?.enabled === true,
    availabilityZone: section.availability_zone || undefined,
  };
}

export function desiredCluster(ref: ServerRef, section: AwsSection): DesiredCluster {
  const cls = classOf(ref.spec, section);
  const base = common(ref, section, cls);
  const scaling = cls.scaling_configuration;
  return {
    ...base,
    // Aurora keeps at least one day of backups (CreateDBCluster / ModifyDBCluster
    // BackupRetentionPeriod: "Must be a value from 1 to 35"): 0 is asked and compared as 1, the way
    // Aurora reports it, instead of being re-sent (ADR 0014).
    backupRetentionDays: Math.max(1, base.backupRetentionDays),
    writerIdentifier: writerIdentifier(base.identifier),
    scaling: scaling ? { min: Number(scaling.min_capacity), max: Number(scaling.max_capacity) } : undefined,
    availabilityZones: section.availability_zones ?? [],
  };
}

/**
 * Storage autoscaling ceiling: the admin's `storage_limit_gb` when it leaves room to grow (RDS
 * wants at least 10 % above the allocated size), else twice the requested size.
 */
export function autogrowLimit(storageGB: number, limitGB: number | null | undefined): number {
  if (limitGB && limitGB >= Math.ceil(storageGB * 1.1)) return limitGB;
  return storageGB * 2;
}

function common(ref: ServerRef, section: AwsSection, cls: AwsClass): DesiredCommon {
  const { spec } = ref;
  const vars = { namespace: ref.namespace, name: ref.name };
  const window = spec.maintenance?.window;
  return {
    identifier: serverIdentifier(section, vars),
    instanceClass: cls.instance_type,
    storageType: cls.storage_type || undefined,
    backupRetentionDays: spec.backup?.retentionDays ?? DEFAULT_BACKUP_RETENTION_DAYS,
    maintenanceWindow: window ? rdsMaintenanceWindow(window) : undefined,
    backupWindow: window ? rdsBackupWindow(window) : undefined,
    major: ref.version,
    pinnedMajor: pinnedMajor(spec, ref.version),
    deletionProtection: section.deletion_protection,
    publiclyAccessible: section.network.public_access,
    securityGroupIds: [...(section.vpc_security_group_ids ?? [])],
    subnetGroup: section.subnet_group || undefined,
    adminUsername: section.admin_username,
    tags: { ...renderTags(section.tags, vars), [OWNER_TAG]: `${ref.namespace}/${ref.name}` },
  };
}

function classOf(spec: ServerSpec, section: AwsSection): AwsClass {
  const found = resolveClass(section.classes, section.default_class, spec.size.class);
  if (!found.ok) throw new PermanentError(found.problem.message, Reason.UnknownClass);
  return found.value;
}
