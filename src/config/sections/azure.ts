import { isIPv4 } from 'node:net';
import { fail, int, listOf, mapOf, oneOf, shape, str, type Check } from '../checks.js';
import { FLAG, NAME, NAME_PATTERN, ROLE_NAME, TAGS, TEXT } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import { fallingBackTo, mergeFragments, type Fragment } from '../fragment.js';
import { limitOptions, type SectionLimits } from './limits.js';

/**
 * `backends.azure` (virtual: shared defaults), `backends.azurepostgres` (single server: accepted so
 * existing config files load, not selectable) and `backends.azurepostgresflexible`.
 */

const ipv4: Check = (v) => (typeof v === 'string' && isIPv4(v) ? [] : fail('must be an IPv4 address like 10.0.0.1', v));
const required = (check: Check) => ({ check, required: true });
const text = str({ nonEmpty: true });

const FIREWALL_RULES = defineFormat({
  name: 'azure-firewall-rules',
  kind: 'array',
  check: listOf(shape({ name: required(text), startIp: required(ipv4), endIp: required(ipv4) })),
});

const VNETS = defineFormat({ name: 'azure-vnet-list', kind: 'array', check: listOf(shape({ vnet: required(text), subnet: required(text) })) });

const NAME_OVERRIDES = defineFormat({
  name: 'azure-name-overrides',
  kind: 'array',
  check: listOf(shape({ namespace: required(text), name: required(text), azure_name: required(text) })),
});

const FLEXIBLE_CLASSES = defineFormat({
  name: 'azure-flexible-classes',
  kind: 'object',
  check: mapOf(shape({ name: required(text), tier: required(oneOf(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])) }), { key: text }),
});

const SINGLE_CLASSES = defineFormat({
  name: 'azure-single-classes',
  kind: 'object',
  check: mapOf(
    shape({
      name: required(text),
      tier: required(oneOf(['Basic', 'GeneralPurpose', 'MemoryOptimized'])),
      family: required(text),
      capacity: required(int(1)),
    }),
    { key: text },
  ),
});

/** Azure clouds the operator knows the Resource Manager endpoint and login authority of. */
const AZURE_CLOUD = defineFormat({ name: 'azure-cloud', kind: 'string', check: oneOf(['AzurePublicCloud', 'AzureChinaCloud', 'AzureUSGovernment']) });
const HTTPS_URL = defineFormat({
  name: 'https-url',
  kind: 'string',
  check: (v) => (typeof v === 'string' && /^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(v) ? [] : fail('must be an https:// URL', v)),
});
const RESTART_POLICY = defineFormat({ name: 'azure-restart-policy', kind: 'string', check: oneOf(['maintenance_window', 'on_request', 'immediate']) });

const RETENTION_DAYS = defineFormat({ name: 'azure-retention-days', kind: 'number', check: int(7, 35) });
const ENABLED_DISABLED = defineFormat({ name: 'azure-enabled-disabled', kind: 'string', check: oneOf(['Enabled', 'Disabled']) });

/** Azure availability zones are the strings "1" to "3"; an unquoted YAML number is accepted too. */
const ZONE = defineFormat({
  name: 'azure-zone',
  kind: 'string',
  check: (v) => (['1', '2', '3'].includes(String(v)) && (typeof v === 'string' || typeof v === 'number') ? [] : fail('must be an availability zone: "1", "2" or "3"', v)),
  normalize: (v) => (typeof v === 'number' ? String(v) : v),
});

/** Options every azure section has. In `backends.azure` they carry the defaults. */
export const azureShared = {
  subscription_id: { doc: 'Azure subscription (id) to create servers in.', format: NAME, default: null, nullable: true, required: true },
  location: { doc: 'Azure region to create servers in, e.g. westeurope.', format: NAME, default: null, nullable: true, required: true },
  resource_group: { doc: 'Resource group to create servers in.', format: NAME, default: null, nullable: true, required: true },
  name_pattern: {
    doc: 'Pattern for server names in Azure; {namespace} and {name} are replaced by the PostgreSQLServer\'s namespace and name.',
    format: NAME_PATTERN,
    default: '{namespace}-{name}',
  },
  name_overrides: {
    doc: 'Servers whose Azure name does not follow name_pattern: a list of {namespace, name, azure_name}.',
    format: NAME_OVERRIDES,
    default: [],
  },
  cloud: {
    doc: 'Azure cloud: AzurePublicCloud, AzureChinaCloud or AzureUSGovernment (sets the Resource Manager endpoint and the login authority).',
    format: AZURE_CLOUD,
    default: 'AzurePublicCloud',
  },
  arm_endpoint: { doc: "Resource Manager endpoint URL overriding the cloud's, e.g. for Azure Stack; null = the cloud's.", format: HTTPS_URL, default: null, nullable: true },
  virtual_network: { doc: 'Virtual network to connect servers to; only needed when network.public_access is false.', format: NAME, default: null, nullable: true },
  subnet: { doc: 'Subnet of virtual_network to connect servers to; only needed when network.public_access is false.', format: NAME, default: null, nullable: true },
  server_delete_fake: { doc: 'If true, deleting a PostgreSQLServer only tags the Azure server instead of deleting it.', format: FLAG, default: false },
  lock_from_deletion: { doc: 'If true, a CanNotDelete lock is put on every server (needs owner permissions); remove it by hand before deleting.', format: FLAG, default: false },
  admin_username: { doc: 'Name of the server admin user.', format: ROLE_NAME, default: 'postgres' },
  ca_bundle_file: {
    doc: 'PEM file with the CA bundle the operator trusts for sslmode=verify-full and publishes as ca.crt (e.g. sovereign clouds, or a bundle with newer roots); null = the built-in Azure root CAs.',
    format: NAME,
    default: null,
    nullable: true,
  },
  tags: { doc: 'Extra tags for the Azure server; {namespace} and {name} can be used in keys and values.', format: TAGS, default: {} },
  network: {
    public_access: { doc: 'If true, servers are reachable from outside the virtual network (firewall rules apply).', format: FLAG, default: true },
    allow_azure_services: { doc: 'If true, a firewall rule lets Azure services reach the servers.', format: FLAG, default: false },
  },
  parameters: {
    geo_redundant_backup: { doc: 'Default for spec.backup.geoRedundant.', format: FLAG, default: false },
    backup_retention_days: { doc: 'Default for spec.backup.retentionDays (Azure allows 7 to 35).', format: RETENTION_DAYS, default: 7 },
    network: {
      firewall_rules: { doc: 'Firewall rules added to every server: a list of {name, startIp, endIp}.', format: FIREWALL_RULES, default: [] },
    },
  },
  ...limitOptions({ allowed_extensions: null, database_delete_fake: false }),
} satisfies Fragment;

/** Options only the (retired) single server section has. */
export const azureSingleOwn = {
  classes: { doc: 'Size classes users can choose: name → {name, tier, family, capacity} of the Azure SKU.', format: SINGLE_CLASSES, default: {} },
  default_class: { doc: 'Class used when a server names none.', format: NAME, default: null, nullable: true },
  network: {
    create_private_endpoint: { doc: 'If true, a private link and endpoint are created (virtual_network and subnet required).', format: FLAG, default: false },
    vnets: { doc: 'Virtual networks allowed to reach the servers: a list of {vnet, subnet}.', format: VNETS, default: [] },
  },
  parameters: {
    infrastructure_encryption: { doc: 'Infrastructure encryption for new servers.', format: ENABLED_DISABLED, default: 'Disabled' },
  },
} satisfies Fragment;

/** Options only the flexible server section has. */
export const azureFlexibleOwn = {
  classes: { doc: 'Size classes users can choose: name → {name, tier} of the Azure SKU (e.g. Standard_D2ds_v4, GeneralPurpose).', format: FLEXIBLE_CLASSES, default: {} },
  default_class: { doc: 'Class used when a server names none.', format: NAME, default: null, nullable: true },
  availability_zone: { doc: 'Availability zone of the primary.', format: ZONE, default: '1' },
  standby_availability_zone: { doc: 'Availability zone of the standby when spec.highavailability.enabled is true.', format: ZONE, default: '2' },
  restart_policy: {
    doc: 'When a server parameter change that needs a restart is applied: maintenance_window (in the spec\'s maintenance window, or earlier on the label operator/action=restart), on_request (only on the label) or immediate.',
    format: RESTART_POLICY,
    default: 'maintenance_window',
  },
  dns_zone: {
    name: { doc: 'Private DNS zone for virtual network integration (must end in .postgres.database.azure.com).', format: NAME, default: null, nullable: true },
    resource_group: { doc: "Resource group of the private DNS zone; null = the servers' resource_group.", format: TEXT, default: null, nullable: true },
  },
} satisfies Fragment;

export const azure: Fragment = azureShared;
export const azurepostgres: Fragment = mergeFragments(fallingBackTo(azureShared, 'backends.azure'), azureSingleOwn);
export const azurepostgresflexible: Fragment = mergeFragments(fallingBackTo(azureShared, 'backends.azure'), azureFlexibleOwn);

/** Older config files may give `dns_zone` as the zone name alone (the Python operator read both). */
export const azureLegacyShapes: Record<string, (value: unknown) => unknown> = {
  'backends.azurepostgresflexible.dns_zone': (v) => (typeof v === 'string' ? { name: v } : v),
};

export interface FirewallRule {
  name: string;
  startIp: string;
  endIp: string;
}

/** The resolved options every azure backend sees (see `backendSection`). */
export interface AzureSharedSection extends SectionLimits {
  /** Set whenever the backend is in use (checked at start). */
  subscription_id: string;
  location: string;
  resource_group: string;
  name_pattern: string;
  name_overrides: { namespace: string; name: string; azure_name: string }[];
  cloud: 'AzurePublicCloud' | 'AzureChinaCloud' | 'AzureUSGovernment';
  arm_endpoint: string | null;
  virtual_network: string | null;
  subnet: string | null;
  server_delete_fake: boolean;
  lock_from_deletion: boolean;
  admin_username: string;
  ca_bundle_file: string | null;
  tags: Record<string, string>;
  network: { public_access: boolean; allow_azure_services: boolean };
  parameters: { geo_redundant_backup: boolean; backup_retention_days: number; network: { firewall_rules: FirewallRule[] } };
}

export interface AzureFlexibleClass {
  name: string;
  tier: 'Burstable' | 'GeneralPurpose' | 'MemoryOptimized';
}

export interface AzureFlexibleSection extends AzureSharedSection {
  classes: Record<string, AzureFlexibleClass>;
  default_class: string | null;
  availability_zone: string;
  standby_availability_zone: string;
  restart_policy: 'maintenance_window' | 'on_request' | 'immediate';
  dns_zone: { name: string | null; resource_group: string | null };
}
