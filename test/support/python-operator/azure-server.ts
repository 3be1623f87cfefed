/**
 * An Azure Flexible Server exactly as the Python operator's `create_or_update_server` built it
 * (MaibornWolff/hybrid-cloud-postgresql-operator, hybridcloud/backends/azure_postgresqlflexible.py),
 * put into the ARM emulator through the real SDK:
 * - SKU from `_determine_sku`: a class when the spec and the config name one, else
 *   `Standard_D{n}ds_v4` (GeneralPurpose) for the smallest n in 2, 4, 8, … ≥ size.cpu (default 2);
 * - tags `hybridcloud-postgresql-operator:namespace` / `:name` plus the config's tags;
 * - maintenance window from `_parse_maintenance_window`: `datetime.strptime(weekday, "%a").weekday()`,
 *   i.e. Monday = 0 (Azure counts Sunday = 0), or `customWindow: Disabled, 0, 0:00`;
 * - backup retention 7 (config `parameters.backup_retention_days`), geo-redundancy Disabled,
 *   HA Disabled, availability zone "1", storage `size.storageGB` (default 32);
 * - `azure.extensions` = spec extensions + pg_cron + pg_stat_statements (sorted) and
 *   `shared_preload_libraries` = those of them in its PRELOAD_LIST.
 */
import { PostgreSQLManagementFlexibleServerClient } from '@azure/arm-postgresql-flexible';
import type { AzureEmulator } from '../azure-emulator/index.js';

export interface PythonAzureSpec {
  version?: string | number | null;
  size: { cpu?: number; storageGB?: number };
  maintenance?: { window?: { weekday: string; starttime: string } };
  extensions?: readonly string[];
}

const PYTHON_WEEKDAY: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const PRELOAD_LIST = ['timescaledb', 'pg_cron', 'pg_partman_bgw', 'pg_partman', 'pg_prewarm', 'pg_stat_statements', 'pgaudit', 'pglogical', 'wal2json'];

/** `_determine_sku` without classes. */
export function pythonSku(cpu = 2): { name: string; tier: string } {
  const size = [2, 4, 8, 16, 32, 48, 64].find((step) => cpu <= step) ?? 64;
  return { name: `Standard_D${size}ds_v4`, tier: 'GeneralPurpose' };
}

export async function createPythonAzureServer(
  emu: AzureEmulator,
  target: { resourceGroup: string; serverName: string; namespace: string; name: string; configTags?: Record<string, string> },
  spec: PythonAzureSpec,
  password: string,
): Promise<void> {
  const client = new PostgreSQLManagementFlexibleServerClient(emu.credential, emu.subscriptionId, { httpClient: emu.httpClient, retryOptions: { maxRetries: 0 } });
  const window = spec.maintenance?.window;
  const [hour, minute] = (window?.starttime ?? '0:0').split(':').map(Number);
  const tags: Record<string, string> = { 'hybridcloud-postgresql-operator:namespace': target.namespace, 'hybridcloud-postgresql-operator:name': target.name };
  for (const [k, v] of Object.entries(target.configTags ?? {})) tags[k] = v.replaceAll('{namespace}', target.namespace).replaceAll('{name}', target.name);
  await client.servers.beginCreateOrUpdateAndWait(
    target.resourceGroup,
    target.serverName,
    {
      location: 'westeurope',
      sku: pythonSku(spec.size.cpu),
      administratorLogin: 'postgres',
      administratorLoginPassword: password,
      version: spec.version ? String(spec.version) : '13',
      storage: { storageSizeGB: spec.size.storageGB ?? 32 },
      backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled' },
      highAvailability: { mode: 'Disabled' },
      maintenanceWindow: window
        ? { customWindow: 'Enabled', dayOfWeek: PYTHON_WEEKDAY[window.weekday] ?? 0, startHour: hour, startMinute: minute }
        : { customWindow: 'Disabled', dayOfWeek: 0, startHour: 0, startMinute: 0 },
      availabilityZone: '1',
      tags,
    },
    { updateIntervalInMs: 10 },
  );
  const extensions = [...(spec.extensions ?? []), 'pg_cron', 'pg_stat_statements'].sort();
  const preload = extensions.filter((e) => PRELOAD_LIST.includes(e));
  for (const [name, value] of [['shared_preload_libraries', preload.join(',')], ['azure.extensions', extensions.join(',')]] as const) {
    await client.configurations.beginPutAndWait(target.resourceGroup, target.serverName, name, { value, source: 'user-override' }, { updateIntervalInMs: 10 });
  }
}
