/**
 * The `azurepostgresflexible` config section as this backend uses it: the section as
 * `backendSection` resolves it (virtual `azure` section merged in, schema defaults applied),
 * normalised into one typed value with resource IDs built, plus the checks that make a config
 * unusable for this backend (reported once, when the backend is built). Tolerant of unset keys so
 * tests can pass a partial section.
 */
import type { FirewallRule } from '../../api/types.js';

export type SkuTier = 'Burstable' | 'GeneralPurpose' | 'MemoryOptimized';
export const SKU_TIERS: readonly SkuTier[] = ['Burstable', 'GeneralPurpose', 'MemoryOptimized'];

export interface FlexibleClass {
  /** SKU name in Azure, e.g. `Standard_D2ds_v5`. */
  name: string;
  tier: SkuTier;
}

/** Adopts an existing server whose Azure name does not follow `name_pattern`. */
export interface NameOverride {
  namespace: string;
  name: string;
  azure_name: string;
}

/** When a server parameter change that needs a restart is applied (never a surprise restart). */
export type RestartPolicy = 'maintenance_window' | 'on_request' | 'immediate';
export const RESTART_POLICIES: readonly RestartPolicy[] = ['maintenance_window', 'on_request', 'immediate'];

export type AzureCloud = 'AzurePublicCloud' | 'AzureChinaCloud' | 'AzureUSGovernment';

/** Resource Manager endpoint and Entra ID authority of each Azure cloud. */
export const AZURE_CLOUDS: Record<AzureCloud, { armEndpoint: string; authorityHost: string }> = {
  AzurePublicCloud: { armEndpoint: 'https://management.azure.com', authorityHost: 'https://login.microsoftonline.com' },
  AzureChinaCloud: { armEndpoint: 'https://management.chinacloudapi.cn', authorityHost: 'https://login.chinacloudapi.cn' },
  AzureUSGovernment: { armEndpoint: 'https://management.usgovcloudapi.net', authorityHost: 'https://login.microsoftonline.us' },
};

export interface FlexibleSettings {
  subscriptionId: string;
  location: string;
  resourceGroup: string;
  namePattern: string;
  nameOverrides: NameOverride[];
  armEndpoint: string;
  authorityHost: string;
  classes: Record<string, FlexibleClass>;
  defaultClass?: string;
  availabilityZone?: string;
  standbyAvailabilityZone?: string;
  /** Full resource ID of the delegated subnet (VNet integration), when public access is off. */
  subnetId?: string;
  /** Full resource ID of the private DNS zone, when public access is off. */
  privateDnsZoneId?: string;
  publicAccess: boolean;
  allowAzureServices: boolean;
  firewallRules: FirewallRule[];
  cpuLimit?: number;
  storageLimitGb?: number;
  serverDeleteFake: boolean;
  databaseDeleteFake: boolean;
  lockFromDeletion: boolean;
  adminUsername: string;
  tags: Record<string, string>;
  geoRedundantBackup: boolean;
  backupRetentionDays: number;
  restartPolicy: RestartPolicy;
  /** Extensions a server may allow-list via `azure.extensions` (lower case). */
  allowedExtensions: string[];
  /** PEM file with the CA bundle to trust and publish as `ca.crt` instead of the built-in Azure roots. */
  caBundleFile?: string;
}

/** Extensions users may ask for unless the admin configures `allowed_extensions`. */
export const DEFAULT_ALLOWED_EXTENSIONS: readonly string[] = [
  'btree_gin', 'btree_gist', 'citext', 'cube', 'fuzzystrmatch', 'hstore', 'intarray', 'isn', 'lo', 'ltree',
  'pg_buffercache', 'pg_cron', 'pg_partman', 'pg_prewarm', 'pg_stat_statements', 'pg_trgm', 'pgaudit',
  'pgcrypto', 'postgis', 'tablefunc', 'timescaledb', 'unaccent', 'uuid-ossp', 'vector',
];

type Raw = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : typeof v === 'string' && v.trim() !== '' && Number(v) > 0 ? Number(v) : undefined);
const bool = (v: unknown, dflt: boolean): boolean => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : dflt);
const obj = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function resourceId(sub: string, rg: string, provider: string, path: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${path}`;
}

function cloudOf(raw: Raw): { armEndpoint: string; authorityHost: string } {
  const name = (str(raw.cloud) ?? 'AzurePublicCloud') as AzureCloud;
  const cloud = AZURE_CLOUDS[name];
  if (!cloud) throw new Error(`azurepostgresflexible: unknown cloud "${name}"; one of ${Object.keys(AZURE_CLOUDS).join(', ')}`);
  const endpoint = str(raw.arm_endpoint)?.replace(/\/+$/, '');
  return { armEndpoint: endpoint ?? cloud.armEndpoint, authorityHost: cloud.authorityHost };
}

function privateNetwork(raw: Raw, sub: string, rg: string): { subnetId?: string; privateDnsZoneId?: string } {
  const subnet = str(raw.subnet);
  const vnet = str(raw.virtual_network);
  const subnetId = subnet?.startsWith('/subscriptions/') ? subnet : vnet && subnet ? resourceId(sub, rg, 'Microsoft.Network', `virtualNetworks/${vnet}/subnets/${subnet}`) : undefined;
  // `dns_zone` is either a name (zone in the server's resource group) or { name, resource_group }.
  const dns = raw.dns_zone;
  const zoneName = typeof dns === 'string' ? str(dns) : str(obj(dns).name);
  const zoneRg = typeof dns === 'string' ? rg : (str(obj(dns).resource_group) ?? rg);
  const privateDnsZoneId = zoneName?.startsWith('/subscriptions/') ? zoneName : zoneName ? resourceId(sub, zoneRg, 'Microsoft.Network', `privateDnsZones/${zoneName}`) : undefined;
  return { subnetId, privateDnsZoneId };
}

function classesOf(raw: Raw): Record<string, FlexibleClass> {
  const out: Record<string, FlexibleClass> = {};
  for (const [key, value] of Object.entries(obj(raw.classes))) {
    const c = obj(value);
    const name = str(c.name);
    const tier = str(c.tier) as SkuTier | undefined;
    if (!name || !tier || !SKU_TIERS.includes(tier)) {
      throw new Error(`azurepostgresflexible: class "${key}" needs a SKU name and a tier (${SKU_TIERS.join(', ')})`);
    }
    out[key] = { name, tier };
  }
  return out;
}

function rulesOf(raw: unknown): FirewallRule[] {
  return arr(raw).map((r) => {
    const o = obj(r);
    return { name: str(o.name) ?? '', startIp: str(o.startIp) ?? '', endIp: str(o.endIp) ?? '' };
  });
}

function overridesOf(raw: unknown): NameOverride[] {
  return arr(raw).map((r) => {
    const o = obj(r);
    return { namespace: str(o.namespace) ?? '', name: str(o.name) ?? '', azure_name: str(o.azure_name) ?? '' };
  });
}

function required(raw: Raw): { subscriptionId: string; location: string; resourceGroup: string } {
  const subscriptionId = str(raw.subscription_id);
  const location = str(raw.location);
  const resourceGroup = str(raw.resource_group);
  if (!subscriptionId || !location || !resourceGroup) {
    const missing = [!subscriptionId && 'subscription_id', !location && 'location', !resourceGroup && 'resource_group'].filter(Boolean);
    throw new Error(`azurepostgresflexible: missing required config ${missing.join(', ')}`);
  }
  return { subscriptionId, location, resourceGroup };
}

function networkOf(raw: Raw, sub: string, rg: string): Pick<FlexibleSettings, 'publicAccess' | 'allowAzureServices' | 'subnetId' | 'privateDnsZoneId'> {
  const network = obj(raw.network);
  const publicAccess = bool(network.public_access, true);
  const allowAzureServices = bool(network.allow_azure_services, false);
  if (publicAccess) return { publicAccess, allowAzureServices };
  const priv = privateNetwork(raw, sub, rg);
  if (!priv.subnetId || !priv.privateDnsZoneId) {
    throw new Error('azurepostgresflexible: network.public_access is false, so virtual_network, subnet and dns_zone are required');
  }
  return { publicAccess, allowAzureServices, ...priv };
}

function restartPolicyOf(raw: Raw): RestartPolicy {
  const policy = (str(raw.restart_policy) ?? 'maintenance_window') as RestartPolicy;
  if (!RESTART_POLICIES.includes(policy)) throw new Error(`azurepostgresflexible: restart_policy must be one of ${RESTART_POLICIES.join(', ')}`);
  return policy;
}

function allowedExtensionsOf(raw: Raw): string[] {
  // null (the schema's default) means the built-in list; an empty list allows nothing.
  if (raw.allowed_extensions === undefined || raw.allowed_extensions === null) return [...DEFAULT_ALLOWED_EXTENSIONS];
  return arr(raw.allowed_extensions).map((e) => String(e).toLowerCase());
}

/** Normalises the merged raw section; throws a clear Error when the config cannot work. */
export function parseSettings(raw: Raw): FlexibleSettings {
  const ids = required(raw);
  const params = obj(raw.parameters);
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(raw.tags))) tags[k] = String(v);
  return {
    ...ids,
    namePattern: str(raw.name_pattern) ?? '{namespace}-{name}',
    nameOverrides: overridesOf(raw.name_overrides),
    ...cloudOf(raw),
    classes: classesOf(raw),
    defaultClass: str(raw.default_class),
    availabilityZone: str(raw.availability_zone),
    standbyAvailabilityZone: str(raw.standby_availability_zone),
    ...networkOf(raw, ids.subscriptionId, ids.resourceGroup),
    firewallRules: rulesOf(obj(params.network).firewall_rules),
    cpuLimit: num(raw.cpu_limit),
    storageLimitGb: num(raw.storage_limit_gb),
    serverDeleteFake: bool(raw.server_delete_fake, false),
    databaseDeleteFake: bool(raw.database_delete_fake, false),
    lockFromDeletion: bool(raw.lock_from_deletion, false),
    adminUsername: str(raw.admin_username) ?? 'postgres',
    tags,
    geoRedundantBackup: bool(params.geo_redundant_backup, false),
    backupRetentionDays: num(params.backup_retention_days) ?? 7,
    restartPolicy: restartPolicyOf(raw),
    allowedExtensions: allowedExtensionsOf(raw),
    ...(str(raw.ca_bundle_file) ? { caBundleFile: str(raw.ca_bundle_file) } : {}),
  };
}
