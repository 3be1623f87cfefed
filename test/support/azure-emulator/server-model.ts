/**
 * The emulator's Flexible Server resource: built from a create PUT's `properties`, changed by
 * PATCH bodies, and rendered back the way ARM answers a GET. Checks the rules Azure enforces that
 * the operator must respect (SKU/tier, fixed storage sizes, no shrinking, 7-35 backup days,
 * weekday 0-6, HA not on Burstable, network and geo-redundancy fixed at creation).
 */
export type Json = Record<string, unknown>;

export interface ServerRecord {
  id: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  sku: { name: string; tier: string };
  administratorLogin: string;
  /** Kept only so tests can check a password change; never returned by GET (as in Azure). */
  administratorLoginPassword: string;
  version: string;
  state: string;
  storage: { storageSizeGB: number; autoGrow: string };
  backup: { backupRetentionDays: number; geoRedundantBackup: string };
  network: { publicNetworkAccess: string; delegatedSubnetResourceId?: string; privateDnsZoneArmResourceId?: string };
  highAvailability: { mode: string; standbyAvailabilityZone?: string };
  maintenanceWindow: { customWindow: string; dayOfWeek: number; startHour: number; startMinute: number };
  availabilityZone?: string;
}

export class BadRequest extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const STORAGE_SIZES = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];
const VERSIONS = ['11', '12', '13', '14', '15', '16', '17', '18'];
const SKU_PREFIX: Record<string, RegExp> = { Burstable: /^Standard_B\d+/, GeneralPurpose: /^Standard_D\d+/, MemoryOptimized: /^Standard_E\d+/ };
const SUBNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const DNS_ZONE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateDnsZones\/[^/]+\.postgres\.database\.azure\.com$/i;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const bad = (message: string, code = 'InvalidParameterValue') => new BadRequest(code, message);

function checkSku(sku: Json): { name: string; tier: string } {
  const name = String(sku.name ?? '');
  const tier = String(sku.tier ?? '');
  const prefix = SKU_PREFIX[tier];
  if (!prefix) throw bad(`sku tier "${tier}" is not valid`);
  if (!prefix.test(name)) throw bad(`sku "${name}" is not offered in tier ${tier}`);
  return { name, tier };
}

function checkStorage(size: unknown): number {
  if (typeof size !== 'number' || !STORAGE_SIZES.includes(size)) throw bad(`storageSizeGB ${String(size)} is not a supported size`);
  return size;
}

function checkRetention(days: unknown): number {
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 35) throw bad(`backupRetentionDays ${String(days)} must be 7 to 35`);
  return days;
}

function checkWindow(w: Json): ServerRecord['maintenanceWindow'] {
  const customWindow = String(w.customWindow ?? 'Disabled');
  const dayOfWeek = Number(w.dayOfWeek ?? 0);
  const startHour = Number(w.startHour ?? 0);
  const startMinute = Number(w.startMinute ?? 0);
  if (!Number.isInteger(dayOfWeek) || dayOfWeek < 0 || dayOfWeek > 6) throw bad(`maintenanceWindow.dayOfWeek ${dayOfWeek} must be 0 (Sunday) to 6`);
  if (startHour < 0 || startHour > 23 || startMinute < 0 || startMinute > 59) throw bad('maintenanceWindow start time is out of range');
  return { customWindow, dayOfWeek, startHour, startMinute };
}

function checkHa(ha: Json, tier: string, zone: string | undefined): ServerRecord['highAvailability'] {
  const mode = String(ha.mode ?? 'Disabled');
  if (!['Disabled', 'ZoneRedundant', 'SameZone'].includes(mode)) throw bad(`highAvailability.mode "${mode}" is not valid`);
  if (mode !== 'Disabled' && tier === 'Burstable') throw bad('high availability is not supported for the Burstable tier', 'HANotSupportedForBurstableSkus');
  const standby = ha.standbyAvailabilityZone === undefined ? undefined : String(ha.standbyAvailabilityZone);
  if (mode === 'ZoneRedundant' && standby !== undefined && standby === zone) throw bad('ZoneRedundant needs a standby zone different from the primary zone');
  return mode === 'Disabled' ? { mode } : { mode, ...(standby ? { standbyAvailabilityZone: standby } : {}) };
}

function checkNetwork(n: Json): ServerRecord['network'] {
  const publicNetworkAccess = String(n.publicNetworkAccess ?? (n.delegatedSubnetResourceId ? 'Disabled' : 'Enabled'));
  if (publicNetworkAccess === 'Enabled') return { publicNetworkAccess };
  const subnet = String(n.delegatedSubnetResourceId ?? '');
  const zone = String(n.privateDnsZoneArmResourceId ?? '');
  if (!SUBNET_ID.test(subnet)) throw bad(`delegatedSubnetResourceId "${subnet}" is not a subnet resource ID`);
  if (!DNS_ZONE_ID.test(zone)) throw bad(`privateDnsZoneArmResourceId "${zone}" is not a private DNS zone ending in .postgres.database.azure.com`);
  return { publicNetworkAccess, delegatedSubnetResourceId: subnet, privateDnsZoneArmResourceId: zone };
}

function tagsOf(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, String(x)]));
}

/** A new server from a create PUT body (`{ location, tags, sku, properties }`). */
export function createServer(id: string, name: string, body: Json): ServerRecord {
  const p = obj(body.properties);
  if (!body.location) throw bad('location is required', 'LocationRequired');
  if (!p.administratorLogin || !p.administratorLoginPassword) throw bad('administratorLogin and administratorLoginPassword are required');
  const version = String(p.version ?? '');
  if (!VERSIONS.includes(version)) throw bad(`version "${version}" is not supported`);
  const sku = checkSku(obj(body.sku));
  const zone = p.availabilityZone === undefined ? undefined : String(p.availabilityZone);
  return {
    id,
    name,
    location: String(body.location),
    tags: tagsOf(body.tags),
    sku,
    administratorLogin: String(p.administratorLogin),
    administratorLoginPassword: String(p.administratorLoginPassword),
    version,
    state: 'Provisioning',
    storage: { storageSizeGB: checkStorage(obj(p.storage).storageSizeGB ?? 32), autoGrow: String(obj(p.storage).autoGrow ?? 'Disabled') },
    backup: { backupRetentionDays: checkRetention(obj(p.backup).backupRetentionDays ?? 7), geoRedundantBackup: String(obj(p.backup).geoRedundantBackup ?? 'Disabled') },
    network: checkNetwork(obj(p.network)),
    highAvailability: checkHa(obj(p.highAvailability), sku.tier, zone),
    maintenanceWindow: checkWindow(obj(p.maintenanceWindow)),
    ...(zone ? { availabilityZone: zone } : {}),
  };
}

function patchStorage(s: ServerRecord, storage: Json): void {
  if (storage.storageSizeGB !== undefined) {
    const size = checkStorage(storage.storageSizeGB);
    if (size < s.storage.storageSizeGB) throw bad(`storage cannot shrink from ${s.storage.storageSizeGB} GB to ${size} GB`, 'StorageSizeDecreaseNotAllowed');
    s.storage.storageSizeGB = size;
  }
  if (storage.autoGrow !== undefined) s.storage.autoGrow = String(storage.autoGrow);
}

function patchBackup(s: ServerRecord, backup: Json): void {
  if (backup.backupRetentionDays !== undefined) s.backup.backupRetentionDays = checkRetention(backup.backupRetentionDays);
  if (backup.geoRedundantBackup !== undefined && backup.geoRedundantBackup !== s.backup.geoRedundantBackup) throw bad('geo-redundant backup can only be set when a server is created');
}

/** Checks a PATCH body and returns the change to apply when the operation completes. */
export function preparePatch(current: ServerRecord, body: Json): (s: ServerRecord) => void {
  const p = obj(body.properties);
  const next = structuredClone(current);
  if (body.sku) next.sku = checkSku({ ...next.sku, ...obj(body.sku) });
  if (body.tags !== undefined) next.tags = tagsOf(body.tags);
  if (p.storage) patchStorage(next, obj(p.storage));
  if (p.backup) patchBackup(next, obj(p.backup));
  if (p.maintenanceWindow) next.maintenanceWindow = checkWindow({ ...next.maintenanceWindow, ...obj(p.maintenanceWindow) });
  if (p.highAvailability) next.highAvailability = checkHa(obj(p.highAvailability), next.sku.tier, next.availabilityZone);
  else if (body.sku && next.highAvailability.mode !== 'Disabled') checkHa(next.highAvailability, next.sku.tier, next.availabilityZone);
  if (p.network) throw bad('the network configuration of a server cannot change');
  if (p.version !== undefined) {
    const v = String(p.version);
    if (!VERSIONS.includes(v) || Number(v) < Number(next.version)) throw bad(`cannot change version ${next.version} to ${v}`);
    next.version = v;
  }
  if (p.administratorLoginPassword !== undefined) next.administratorLoginPassword = String(p.administratorLoginPassword);
  return (s) => {
    Object.assign(s, { ...next, state: s.state });
  };
}

/** The server as ARM returns it (no password); `fqdn` replaces Azure's host name (full-stack tests). */
export function renderServer(s: ServerRecord, fqdn = `${s.name}.postgres.database.azure.com`): Json {
  const haOn = s.highAvailability.mode !== 'Disabled';
  const provisioned = s.state !== 'Provisioning';
  return {
    id: s.id,
    name: s.name,
    type: 'Microsoft.DBforPostgreSQL/flexibleServers',
    location: s.location,
    tags: s.tags,
    sku: s.sku,
    properties: {
      administratorLogin: s.administratorLogin,
      version: s.version,
      minorVersion: '4',
      state: s.state,
      ...(provisioned ? { fullyQualifiedDomainName: fqdn } : {}),
      storage: { ...s.storage, tier: 'P10', iops: 500, type: 'Premium_LRS' },
      backup: { ...s.backup, earliestRestoreDate: '2026-11-01T00:00:00Z' },
      network: s.network,
      highAvailability: { ...s.highAvailability, state: haOn ? 'Healthy' : 'NotEnabled' },
      maintenanceWindow: s.maintenanceWindow,
      ...(s.availabilityZone ? { availabilityZone: s.availabilityZone } : {}),
      replicationRole: 'Primary',
      replicaCapacity: 5,
      authConfig: { activeDirectoryAuth: 'Disabled', passwordAuth: 'Enabled' },
      dataEncryption: { type: 'SystemManaged' },
    },
  };
}
