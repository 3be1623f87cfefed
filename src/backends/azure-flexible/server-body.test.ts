import { describe, it, expect } from '@jest/globals';
import type { Server } from '@azure/arm-postgresql-flexible';
import type { ServerSpec } from '../../api/types.js';
import { buildCreateBody, desiredServer, diffServer, resolveSku } from './server-body.js';
import { parseSettings } from './settings.js';

const settings = parseSettings({
  subscription_id: '11111111-2222-3333-4444-555555555555', location: 'westeurope', resource_group: 'rg',
  classes: { dev: { name: 'Standard_B1ms', tier: 'Burstable' }, small: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' } },
  default_class: 'dev', availability_zone: '1', standby_availability_zone: '2', tags: { owner: '{namespace}' },
  parameters: { backup_retention_days: 14 },
});
const vars = { namespace: 'team-a', name: 'orders' };
const spec = (extra: Partial<ServerSpec> = {}): ServerSpec => ({ size: { class: 'small', storageGB: 100 }, credentialsSecret: 's', ...extra });
const desired = (s: ServerSpec = spec(), version = '17') => desiredServer(s, { version }, settings, vars);

/** What Azure would report for a server created from the desired state. */
function asCreated(s: ServerSpec = spec()): Server {
  const body = buildCreateBody(desired(s), 'westeurope', 'postgres', 'pw');
  const { administratorLoginPassword: _pw, createMode: _cm, ...rest } = body;
  return { ...rest, state: 'Ready', fullyQualifiedDomainName: 'x.postgres.database.azure.com' };
}

describe('resolveSku', () => {
  it('prefers the class, then cpu/memory, then the default class', () => {
    expect(resolveSku(spec(), settings)?.name).toBe('Standard_D2ds_v5');
    expect(resolveSku({ size: { cpu: 4, storageGB: 32 }, credentialsSecret: 's' }, settings)?.name).toBe('Standard_D4ds_v5');
    expect(resolveSku({ size: { storageGB: 32 }, credentialsSecret: 's' }, settings)?.name).toBe('Standard_B1ms');
  });
});

describe('buildCreateBody', () => {
  it('maps the spec and config onto the Flexible Server model', () => {
    const body = buildCreateBody(desired(spec({
      size: { class: 'small', storageGB: 100, storageAutoGrow: true },
      maintenance: { window: { weekday: 'Wed', starttime: '03:15' } },
      highavailability: { enabled: true },
      backup: { geoRedundant: true },
    })), 'westeurope', 'postgres', 'secret-pw');
    expect(body).toEqual({
      location: 'westeurope',
      tags: { owner: 'team-a', 'hybridcloud-postgresql-operator:namespace': 'team-a', 'hybridcloud-postgresql-operator:name': 'orders' },
      sku: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' },
      administratorLogin: 'postgres',
      administratorLoginPassword: 'secret-pw',
      version: '17',
      storage: { storageSizeGB: 128, autoGrow: 'Enabled' },
      backup: { backupRetentionDays: 14, geoRedundantBackup: 'Enabled' },
      network: { publicNetworkAccess: 'Enabled' },
      highAvailability: { mode: 'ZoneRedundant', standbyAvailabilityZone: '2' },
      maintenanceWindow: { customWindow: 'Enabled', dayOfWeek: 3, startHour: 3, startMinute: 15 },
      availabilityZone: '1',
      createMode: 'Create',
    });
  });
});

describe('diffServer', () => {
  it('finds nothing when Azure reports what was asked for', () => {
    expect(diffServer(desired(), asCreated())).toEqual({ differences: [], warnings: [] });
  });

  it('patches only what differs', () => {
    const d = desired(spec({ size: { class: 'small', storageGB: 200 }, backup: { retentionDays: 30 } }));
    const out = diffServer(d, asCreated());
    expect(out.patch).toEqual({ storage: { storageSizeGB: 256 }, backup: { backupRetentionDays: 30 } });
    expect(out.differences).toEqual(['storage 128 GB → 256 GB', 'backup retention 14 → 30 days']);
  });

  it('never shrinks storage', () => {
    const out = diffServer(desired(spec({ size: { class: 'small', storageGB: 32 } })), asCreated());
    expect(out.patch).toBeUndefined();
    expect(out.warnings.join()).toMatch(/never shrinks/);
  });

  it('upgrades the major version only when the spec names it', () => {
    const running = { ...asCreated(), version: '16' };
    expect(diffServer(desired(spec({ version: 17 })), running).patch).toEqual({ version: '17' });
    expect(diffServer(desired(spec({ version: 'latest' })), running).patch).toBeUndefined();
    expect(diffServer(desired(spec({ version: 15 }), '15'), running).warnings.join()).toMatch(/downgrade/);
  });

  it('switches high availability on and off', () => {
    const on = diffServer(desired(spec({ highavailability: { enabled: true } })), asCreated());
    expect(on.patch).toEqual({ highAvailability: { mode: 'ZoneRedundant', standbyAvailabilityZone: '2' } });
    const off = diffServer(desired(), asCreated(spec({ highavailability: { enabled: true } })));
    expect(off.patch).toEqual({ highAvailability: { mode: 'Disabled' } });
  });

  it('treats a missing HA mode as disabled', () => {
    const { highAvailability: _ha, ...noHa } = asCreated();
    expect(diffServer(desired(), noHa).patch).toBeUndefined();
  });

  it('sets the maintenance window with Sunday = 0', () => {
    const out = diffServer(desired(spec({ maintenance: { window: { weekday: 'Sun', starttime: '01:00' } } })), asCreated());
    expect(out.patch).toEqual({ maintenanceWindow: { customWindow: 'Enabled', dayOfWeek: 0, startHour: 1, startMinute: 0 } });
  });

  it('keeps foreign tags and drops the fake-deletion mark', () => {
    const actual = { ...asCreated(), tags: { ...asCreated().tags, team: 'x', 'hybridcloud-postgresql-operator:marked-for-deletion': 'yes' } };
    const out = diffServer(desired(), actual);
    expect(out.patch?.tags).toEqual({ ...desired().tags, team: 'x' });
  });

  it('warns about what Azure fixes at creation', () => {
    const actual = { ...asCreated(), network: { publicNetworkAccess: 'Disabled' }, backup: { backupRetentionDays: 14, geoRedundantBackup: 'Enabled' } };
    const out = diffServer(desired(), actual);
    expect(out.patch).toBeUndefined();
    expect(out.warnings).toHaveLength(2);
  });
});
