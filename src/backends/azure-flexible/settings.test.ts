import { describe, it, expect } from '@jest/globals';
import { DEFAULT_ALLOWED_EXTENSIONS, parseSettings } from './settings.js';

const base = { subscription_id: '11111111-2222-3333-4444-555555555555', location: 'westeurope', resource_group: 'rg-db' };

describe('parseSettings', () => {
  it('applies defaults', () => {
    const s = parseSettings(base);
    expect(s).toMatchObject({
      namePattern: '{namespace}-{name}',
      armEndpoint: 'https://management.azure.com',
      publicAccess: true,
      allowAzureServices: false,
      adminUsername: 'postgres',
      backupRetentionDays: 7,
      restartPolicy: 'maintenance_window',
      serverDeleteFake: false,
    });
    expect(s.allowedExtensions).toEqual([...DEFAULT_ALLOWED_EXTENSIONS]);
  });

  it('names the missing required keys', () => {
    expect(() => parseSettings({ location: 'westeurope' })).toThrow(/subscription_id, resource_group/);
  });

  it('builds subnet and DNS zone IDs, the zone possibly in another resource group', () => {
    const s = parseSettings({ ...base, network: { public_access: false }, virtual_network: 'vnet', subnet: 'db', dns_zone: { name: 'x.postgres.database.azure.com', resource_group: 'rg-dns' } });
    expect(s.subnetId).toBe('/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-db/providers/Microsoft.Network/virtualNetworks/vnet/subnets/db');
    expect(s.privateDnsZoneId).toBe('/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/x.postgres.database.azure.com');
    const legacy = parseSettings({ ...base, network: { public_access: false }, virtual_network: 'vnet', subnet: 'db', dns_zone: 'x.postgres.database.azure.com' });
    expect(legacy.privateDnsZoneId).toContain('/resourceGroups/rg-db/');
  });

  it('refuses private access without network settings', () => {
    expect(() => parseSettings({ ...base, network: { public_access: false } })).toThrow(/virtual_network, subnet and dns_zone/);
  });

  it('knows the sovereign clouds and takes an explicit endpoint', () => {
    expect(parseSettings({ ...base, cloud: 'AzureChinaCloud' }).armEndpoint).toBe('https://management.chinacloudapi.cn');
    expect(parseSettings({ ...base, cloud: 'AzureUSGovernment' }).authorityHost).toBe('https://login.microsoftonline.us');
    expect(parseSettings({ ...base, arm_endpoint: 'https://arm.example.test/' }).armEndpoint).toBe('https://arm.example.test');
    expect(() => parseSettings({ ...base, cloud: 'Mars' })).toThrow(/unknown cloud/);
  });

  it('checks classes and the restart policy', () => {
    expect(() => parseSettings({ ...base, classes: { dev: { name: 'Standard_B1ms', tier: 'Cheap' } } })).toThrow(/class "dev"/);
    expect(() => parseSettings({ ...base, restart_policy: 'whenever' })).toThrow(/restart_policy/);
  });

  it('takes the allow-list lower-cased; an empty list allows nothing', () => {
    expect(parseSettings({ ...base, allowed_extensions: ['PostGIS'] }).allowedExtensions).toEqual(['postgis']);
    expect(parseSettings({ ...base, allowed_extensions: [] }).allowedExtensions).toEqual([]);
  });
});
