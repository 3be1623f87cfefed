/**
 * Network settings of the Flexible Server backend against the ARM emulator: declarative firewall
 * rules (public access) and VNet integration (private access).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { ServerSpec } from '../../src/api/types.js';
import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator/index.js';
import { makeBackend, RESOURCE_GROUP, testClock } from '../support/azure-emulator/backend.js';
import { converge, reconcileOnce, serverContext, withSpec } from '../support/azure-emulator/drive.js';

let emu: AzureEmulator;
beforeAll(async () => {
  emu = await startAzureEmulator();
});
afterAll(async () => {
  await emu.close();
});

const rule = (name: string, ip: string) => ({ name, startIp: ip, endIp: ip });
const rulesOf = (server: string) =>
  emu.firewallRules(RESOURCE_GROUP, server).map((r) => `${r.name}:${r.startIpAddress}-${r.endIpAddress}`).sort();

describe('firewall rules (public access)', () => {
  const config = { network: { public_access: true, allow_azure_services: true }, parameters: { network: { firewall_rules: [rule('corp-vpn', '10.1.2.3')] } } };

  it('creates the config, spec and Azure-services rules, then keeps them in line with the spec', async () => {
    const clock = testClock();
    const backend = makeBackend(emu, clock, config);
    const spec: ServerSpec = { size: { storageGB: 32 }, network: { firewallRules: [rule('office', '203.0.113.10'), rule('ci', '198.51.100.7')] }, credentialsSecret: 's' };
    const ctx = serverContext(backend, spec, { namespace: 'team-a', name: 'fw' });
    await converge(backend, ctx);
    expect(rulesOf('pg-team-a-fw')).toEqual(['AllowAllWindowsAzureIps:0.0.0.0-0.0.0.0', 'ci:198.51.100.7-198.51.100.7', 'corp-vpn:10.1.2.3-10.1.2.3', 'office:203.0.113.10-203.0.113.10']);

    // Someone adds a rule in the portal: the operator leaves it alone.
    await putRuleBehindOperatorsBack('pg-team-a-fw', 'portal-admin', '192.0.2.1');
    const quiet = emu.writes().length;
    expect((await reconcileOnce(backend, ctx)).step).toBe('ready');
    expect(emu.writes()).toHaveLength(quiet);

    // The spec drops one rule and changes another: one PUT and one DELETE, nothing else.
    const next = withSpec(backend, ctx, { ...spec, network: { firewallRules: [rule('office', '203.0.113.99')] } });
    const before = emu.writes().length;
    await converge(backend, next);
    expect(emu.writes().slice(before).map((w) => `${w.method} ${w.path.split('/').pop()}`).sort()).toEqual(['DELETE ci', 'PUT office']);
    expect(rulesOf('pg-team-a-fw')).toEqual(['AllowAllWindowsAzureIps:0.0.0.0-0.0.0.0', 'corp-vpn:10.1.2.3-10.1.2.3', 'office:203.0.113.99-203.0.113.99', 'portal-admin:192.0.2.1-192.0.2.1']);
    expect(next.state).toMatchObject({ managedFirewallRules: ['AllowAllWindowsAzureIps', 'corp-vpn', 'office'] });

    // The admin switches off allow_azure_services: the operator removes the rule it created.
    const without = makeBackend(emu, clock, { ...config, network: { public_access: true, allow_azure_services: false } });
    await converge(without, next);
    expect(rulesOf('pg-team-a-fw')).toEqual(['corp-vpn:10.1.2.3-10.1.2.3', 'office:203.0.113.99-203.0.113.99', 'portal-admin:192.0.2.1-192.0.2.1']);
  });

  it('recreates a rule deleted behind its back', async () => {
    const clock = testClock();
    const backend = makeBackend(emu, clock, config);
    const ctx = serverContext(backend, { size: { storageGB: 32 }, network: { firewallRules: [rule('office', '203.0.113.10')] }, credentialsSecret: 's' }, { namespace: 'team-a', name: 'fw2' });
    await converge(backend, ctx);
    await deleteRuleBehindOperatorsBack('pg-team-a-fw2', 'office');
    const r = await reconcileOnce(backend, ctx);
    expect(r.observation.differences).toEqual(['firewall rule office missing → 203.0.113.10-203.0.113.10']);
    await converge(backend, ctx);
    expect(rulesOf('pg-team-a-fw2')).toContain('office:203.0.113.10-203.0.113.10');
  });
});

describe('VNet integration (private access)', () => {
  it('creates the server in the delegated subnet with the private DNS zone of another resource group, without firewall calls', async () => {
    const clock = testClock();
    const backend = makeBackend(emu, clock, {
      network: { public_access: false, allow_azure_services: true },
      virtual_network: 'vnet-app',
      subnet: 'snet-postgres',
      dns_zone: { name: 'private.postgres.database.azure.com', resource_group: 'rg-dns' },
      parameters: { network: { firewall_rules: [rule('corp-vpn', '10.1.2.3')] } },
    });
    const ctx = serverContext(backend, { size: { storageGB: 32 }, network: { firewallRules: [rule('office', '203.0.113.10')] }, credentialsSecret: 's' }, { namespace: 'team-a', name: 'private' });
    const before = emu.requests.length;
    await converge(backend, ctx);
    const sub = emu.subscriptionId;
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-private')!.network).toEqual({
      publicNetworkAccess: 'Disabled',
      delegatedSubnetResourceId: `/subscriptions/${sub}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/snet-postgres`,
      privateDnsZoneArmResourceId: `/subscriptions/${sub}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/private.postgres.database.azure.com`,
    });
    expect(emu.requests.slice(before).filter((r) => /firewallRules/i.test(r.path))).toEqual([]);
    expect(rulesOf('pg-team-a-private')).toEqual([]);
  });

  it('warns instead of trying to switch a public server to private access', async () => {
    const clock = testClock();
    const publicBackend = makeBackend(emu, clock);
    const ctx = serverContext(publicBackend, { size: { storageGB: 32 }, credentialsSecret: 's' }, { namespace: 'team-a', name: 'switch' });
    await converge(publicBackend, ctx);
    const privateBackend = makeBackend(emu, clock, { network: { public_access: false }, virtual_network: 'v', subnet: 's', dns_zone: 'z.postgres.database.azure.com' });
    const before = emu.writes().length;
    const { observation } = await converge(privateBackend, ctx);
    expect(emu.writes()).toHaveLength(before);
    expect(observation.warning).toMatch(/cannot change this after creation/);
  });
});

// Someone else's changes, sent straight to the emulator's wire API like the portal would.
async function armRequest(method: string, path: string, body?: unknown): Promise<void> {
  const url = `${emu.url}/subscriptions/${emu.subscriptionId}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${path}?api-version=2025-08-01`;
  const res = await fetch(url, { method, headers: { authorization: 'Bearer portal', 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const op = res.headers.get('azure-asyncoperation');
  if (op) await fetch(op.replace('https://management.azure.com', emu.url), { headers: { authorization: 'Bearer portal' } });
}

const putRuleBehindOperatorsBack = (server: string, name: string, ip: string) =>
  armRequest('PUT', `${server}/firewallRules/${name}`, { properties: { startIpAddress: ip, endIpAddress: ip } });
const deleteRuleBehindOperatorsBack = (server: string, name: string) => armRequest('DELETE', `${server}/firewallRules/${name}`);
