/**
 * Pure mapping between the spec (+ config) and the Flexible Server resource: the desired server,
 * the body of the create PUT, and the comparison with what Azure reports that yields the PATCH
 * (only the fields that differ; nothing when nothing differs).
 */
import type { Server, ServerForPatch } from '@azure/arm-postgresql-flexible';
import type { ServerSpec } from '../../api/types.js';
import type { ResolvedServer } from '../types.js';
import { renderTags, type NameVars } from '../common/naming.js';
import { azureWindow, type AzureWindow } from './maintenance.js';
import { TAG_MARKED_FOR_DELETION, TAG_NAME, TAG_NAMESPACE } from './naming.js';
import type { FlexibleClass, FlexibleSettings } from './settings.js';
import { skuForSize, storageSizeFor } from './sku.js';

export type HaMode = 'Disabled' | 'ZoneRedundant' | 'SameZone';

export interface DesiredServer {
  sku: FlexibleClass;
  version: string;
  /** The spec names a major (so a higher one than running is an upgrade the user asked for). */
  versionExplicit: boolean;
  storageGB: number;
  autoGrow: boolean;
  backupRetentionDays: number;
  geoRedundantBackup: boolean;
  ha: { mode: HaMode; standbyAvailabilityZone?: string };
  availabilityZone?: string;
  window: AzureWindow;
  tags: Record<string, string>;
  publicAccess: boolean;
  subnetId?: string;
  privateDnsZoneId?: string;
}

/** The SKU for a spec: its class, else its cpu/memory, else the default class, else 2 vCores. */
export function resolveSku(spec: ServerSpec, settings: Pick<FlexibleSettings, 'classes' | 'defaultClass'>): FlexibleClass | undefined {
  const requested = spec.size.class;
  if (requested) return settings.classes[requested];
  if (spec.size.cpu !== undefined || spec.size.memoryMB !== undefined) return skuForSize(spec.size);
  if (settings.defaultClass) return settings.classes[settings.defaultClass];
  return skuForSize({ cpu: 2 });
}

export function desiredTags(settings: Pick<FlexibleSettings, 'tags'>, vars: NameVars): Record<string, string> {
  return { ...renderTags(settings.tags, vars), [TAG_NAMESPACE]: vars.namespace, [TAG_NAME]: vars.name };
}

export function desiredServer(spec: ServerSpec, resolved: ResolvedServer, settings: FlexibleSettings, vars: NameVars): DesiredServer {
  const sku = resolveSku(spec, settings);
  if (!sku) throw new Error('no SKU for this spec (validate first)');
  const haEnabled = spec.highavailability?.enabled === true;
  const sameZone = settings.standbyAvailabilityZone !== undefined && settings.standbyAvailabilityZone === settings.availabilityZone;
  const explicit = spec.version !== undefined && spec.version !== null && String(spec.version).trim() !== '' && String(spec.version).toLowerCase() !== 'latest';
  return {
    sku,
    version: resolved.version,
    versionExplicit: explicit,
    storageGB: storageSizeFor(spec.size.storageGB) ?? spec.size.storageGB,
    autoGrow: spec.size.storageAutoGrow === true,
    backupRetentionDays: spec.backup?.retentionDays ?? settings.backupRetentionDays,
    geoRedundantBackup: spec.backup?.geoRedundant ?? settings.geoRedundantBackup,
    ha: haEnabled ? { mode: sameZone ? 'SameZone' : 'ZoneRedundant', standbyAvailabilityZone: settings.standbyAvailabilityZone } : { mode: 'Disabled' },
    availabilityZone: settings.availabilityZone,
    window: azureWindow(spec.maintenance?.window),
    tags: desiredTags(settings, vars),
    publicAccess: settings.publicAccess,
    subnetId: settings.subnetId,
    privateDnsZoneId: settings.privateDnsZoneId,
  };
}

const enabled = (on: boolean) => (on ? 'Enabled' : 'Disabled');

/** The body of the create PUT. The password is only ever sent, never stored in state or logged. */
export function buildCreateBody(d: DesiredServer, location: string, adminUsername: string, adminPassword: string): Server {
  return {
    location,
    tags: d.tags,
    sku: { name: d.sku.name, tier: d.sku.tier },
    administratorLogin: adminUsername,
    administratorLoginPassword: adminPassword,
    version: d.version,
    storage: { storageSizeGB: d.storageGB, autoGrow: enabled(d.autoGrow) },
    backup: { backupRetentionDays: d.backupRetentionDays, geoRedundantBackup: enabled(d.geoRedundantBackup) },
    network: d.publicAccess
      ? { publicNetworkAccess: 'Enabled' }
      : { publicNetworkAccess: 'Disabled', delegatedSubnetResourceId: d.subnetId, privateDnsZoneArmResourceId: d.privateDnsZoneId },
    highAvailability: d.ha.mode === 'Disabled' ? { mode: 'Disabled' } : { mode: d.ha.mode, standbyAvailabilityZone: d.ha.standbyAvailabilityZone },
    maintenanceWindow: { ...d.window },
    ...(d.availabilityZone ? { availabilityZone: d.availabilityZone } : {}),
    createMode: 'Create',
  };
}

export interface ServerDiff {
  /** Human-readable, one per differing setting. */
  differences: string[];
  /** Differences the operator will not (or cannot) fix. */
  warnings: string[];
  patch?: ServerForPatch;
}

const eqi = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

function diffSku(d: DesiredServer, a: Server, out: ServerDiff, patch: ServerForPatch): void {
  if (eqi(a.sku?.name, d.sku.name) && eqi(a.sku?.tier, d.sku.tier)) return;
  out.differences.push(`sku ${a.sku?.name ?? '?'} (${a.sku?.tier ?? '?'}) → ${d.sku.name} (${d.sku.tier})`);
  patch.sku = { name: d.sku.name, tier: d.sku.tier };
}

function diffVersion(d: DesiredServer, a: Server, out: ServerDiff, patch: ServerForPatch): void {
  const actual = Number(a.version);
  const desired = Number(d.version);
  if (!Number.isFinite(actual) || actual === desired) return;
  if (desired > actual && d.versionExplicit) {
    out.differences.push(`version ${a.version} → ${d.version} (major version upgrade)`);
    patch.version = d.version;
  } else if (desired < actual) {
    out.warnings.push(`the server runs PostgreSQL ${a.version}; a downgrade to ${d.version} is impossible`);
  }
}

function diffStorage(d: DesiredServer, a: Server, out: ServerDiff, patch: ServerForPatch): void {
  const size = a.storage?.storageSizeGB ?? 0;
  const storage: NonNullable<ServerForPatch['storage']> = {};
  if (size < d.storageGB) {
    out.differences.push(`storage ${size} GB → ${d.storageGB} GB`);
    storage.storageSizeGB = d.storageGB;
  } else if (size > d.storageGB && !d.autoGrow) {
    out.warnings.push(`storage is ${size} GB; it never shrinks to the requested ${d.storageGB} GB`);
  }
  if (!eqi(a.storage?.autoGrow ?? 'Disabled', enabled(d.autoGrow))) {
    out.differences.push(`storage auto-grow ${a.storage?.autoGrow ?? 'Disabled'} → ${enabled(d.autoGrow)}`);
    storage.autoGrow = enabled(d.autoGrow);
  }
  if (Object.keys(storage).length) patch.storage = storage;
}

function diffBackup(d: DesiredServer, a: Server, out: ServerDiff, patch: ServerForPatch): void {
  if (a.backup?.backupRetentionDays !== d.backupRetentionDays) {
    out.differences.push(`backup retention ${a.backup?.backupRetentionDays ?? '?'} → ${d.backupRetentionDays} days`);
    patch.backup = { backupRetentionDays: d.backupRetentionDays };
  }
  if (!eqi(a.backup?.geoRedundantBackup ?? 'Disabled', enabled(d.geoRedundantBackup))) {
    out.warnings.push(`geo-redundant backup is ${a.backup?.geoRedundantBackup ?? 'Disabled'}; Azure only sets it when a server is created`);
  }
}

function diffHa(d: DesiredServer, a: Server, out: ServerDiff, patch: ServerForPatch): void {
  const mode = a.highAvailability?.mode ?? 'Disabled';
  const standbyDiffers = d.ha.mode !== 'Disabled' && d.ha.standbyAvailabilityZone !== undefined && a.highAvailability?.standbyAvailabilityZone !== d.ha.standbyAvailabilityZone;
  if (eqi(mode, d.ha.mode) && !standbyDiffers) return;
  out.differences.push(`high availability ${mode} → ${d.ha.mode}${d.ha.standbyAvailabilityZone && d.ha.mode !== 'Disabled' ? ` (standby zone ${d.ha.standbyAvailabilityZone})` : ''}`);
  patch.highAvailability = d.ha.mode === 'Disabled' ? { mode: 'Disabled' } : { mode: d.ha.mode, standbyAvailabilityZone: d.ha.standbyAvailabilityZone };
}

function diffWindow(d: DesiredServer, a: Server, out: ServerDiff, patch: ServerForPatch): void {
  const w = a.maintenanceWindow ?? {};
  const custom = w.customWindow ?? 'Disabled';
  const same = eqi(custom, d.window.customWindow) && (d.window.customWindow === 'Disabled' || (w.dayOfWeek === d.window.dayOfWeek && w.startHour === d.window.startHour && w.startMinute === d.window.startMinute));
  if (same) return;
  const show = (x: { customWindow?: string; dayOfWeek?: number; startHour?: number; startMinute?: number }) =>
    eqi(x.customWindow, 'Enabled') ? `day ${x.dayOfWeek} ${String(x.startHour).padStart(2, '0')}:${String(x.startMinute).padStart(2, '0')} UTC` : 'system-managed';
  out.differences.push(`maintenance window ${show(w)} → ${show(d.window)}`);
  patch.maintenanceWindow = { ...d.window };
}

function diffNetwork(d: DesiredServer, a: Server, out: ServerDiff): void {
  const isPublic = eqi(a.network?.publicNetworkAccess ?? 'Enabled', 'Enabled');
  if (isPublic !== d.publicAccess) {
    out.warnings.push(`the server has ${isPublic ? 'public access' : 'private (VNet) access'}; Azure cannot change this after creation`);
  } else if (!d.publicAccess && d.subnetId && !eqi(a.network?.delegatedSubnetResourceId, d.subnetId)) {
    out.warnings.push(`the server is in subnet ${a.network?.delegatedSubnetResourceId ?? '?'}; Azure cannot move it to ${d.subnetId}`);
  }
}

function diffTags(d: DesiredServer, a: Server, out: ServerDiff, patch: ServerForPatch): void {
  const actual = a.tags ?? {};
  const changed = Object.entries(d.tags).filter(([k, v]) => actual[k] !== v).map(([k]) => k);
  const marked = TAG_MARKED_FOR_DELETION in actual;
  if (!changed.length && !marked) return;
  if (changed.length) out.differences.push(`tags ${changed.map((k) => `${k}=${actual[k] ?? 'unset'} → ${d.tags[k]}`).join(', ')}`);
  if (marked) out.differences.push(`tag ${TAG_MARKED_FOR_DELETION} set → removed (the server is in use again)`);
  // PATCH replaces the whole tag set: keep tags others added, drop the deletion mark.
  const { [TAG_MARKED_FOR_DELETION]: _mark, ...kept } = actual;
  patch.tags = { ...kept, ...d.tags };
}

export function diffServer(d: DesiredServer, actual: Server): ServerDiff {
  const out: ServerDiff = { differences: [], warnings: [] };
  const patch: ServerForPatch = {};
  diffSku(d, actual, out, patch);
  diffVersion(d, actual, out, patch);
  diffStorage(d, actual, out, patch);
  diffBackup(d, actual, out, patch);
  diffHa(d, actual, out, patch);
  diffWindow(d, actual, out, patch);
  diffNetwork(d, actual, out);
  diffTags(d, actual, out, patch);
  if (Object.keys(patch).length) out.patch = patch;
  return out;
}
