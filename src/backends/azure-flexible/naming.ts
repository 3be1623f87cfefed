import { renderPattern, type NameVars } from '../common/naming.js';
import type { NameOverride } from './settings.js';

/**
 * The server's name in Azure: an admin's override for this object (to adopt an existing server
 * whose name does not follow the pattern), else `name_pattern` rendered.
 */
export function serverName(vars: NameVars, pattern: string, overrides: readonly NameOverride[]): string {
  const override = overrides.find((o) => o.namespace === vars.namespace && o.name === vars.name);
  return override ? override.azure_name : renderPattern(pattern, vars);
}

/** Azure's rule for Flexible Server names (they become part of the DNS name). */
export function serverNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `server name "${name}" must have 3 to 63 characters (has ${name.length})`;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
    return `server name "${name}" may only contain lower-case letters, digits and hyphens, and may not start or end with a hyphen`;
  }
  return undefined;
}

/** Tags that tie an Azure server to its CR (same keys as the Python operator, so servers it made are recognised). */
export const TAG_NAMESPACE = 'hybridcloud-postgresql-operator:namespace';
export const TAG_NAME = 'hybridcloud-postgresql-operator:name';
/** Set instead of deleting when `server_delete_fake` is on. */
export const TAG_MARKED_FOR_DELETION = 'hybridcloud-postgresql-operator:marked-for-deletion';
/** The delete lock's name (as the Python operator named it). */
export const LOCK_NAME = 'DoNotDeleteLock';
/** The firewall rule Azure treats as "allow access from Azure services". */
export const AZURE_SERVICES_RULE = { name: 'AllowAllWindowsAzureIps', startIp: '0.0.0.0', endIp: '0.0.0.0' } as const;
