/**
 * Taking over Flexible Servers the Python operator created (built in the ARM emulator exactly as
 * its `create_or_update_server` built them, see test/support/python-operator/azure-server.ts):
 * the first reconciles write nothing to Azure and report what this operator would choose
 * differently (v5 SKU family, B1ms for one vCore, the maintenance weekday it counted from Monday,
 * azure.extensions without the pg_cron/pg_stat_statements it always added); a spec change, or
 * `python_takeover.apply_differences`, applies them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { ServerSpec } from '../../src/api/types.js';
import { AzureFlexibleBackend, parseSettings } from '../../src/backends/azure-flexible/index.js';
import type { ServerContext } from '../../src/backends/types.js';
import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator/index.js';
import { RESOURCE_GROUP, section, testClock } from '../support/azure-emulator/backend.js';
import { converge, reconcileOnce, serverContext, withSpec } from '../support/azure-emulator/drive.js';
import { createPythonAzureServer } from '../support/python-operator/azure-server.js';

let emu: AzureEmulator;
beforeAll(async () => {
  emu = await startAzureEmulator();
  emu.pollsToComplete = 1;
});
afterAll(async () => {
  await emu.close();
});

const PASSWORD = 'Pyth0n-Made-Passw0rd';
/** A spec as a team wrote it for the Python operator: cpu, a Monday window, one extension. */
const SPEC: ServerSpec = {
  version: '15',
  size: { cpu: 2, storageGB: 32 },
  maintenance: { window: { weekday: 'Mon', starttime: '03:00' } },
  extensions: ['postgis'],
  credentialsSecret: 'legacy-credentials',
};

function backend(applyAdoptionDifferences = false): AzureFlexibleBackend {
  return new AzureFlexibleBackend({
    settings: parseSettings(section(emu)),
    log: pino({ level: 'silent' }),
    credential: emu.credential,
    httpClient: emu.httpClient,
    now: testClock().now,
    pollSeconds: { long: 1, short: 1 },
    sdkPollIntervalMs: 10,
    applyAdoptionDifferences,
  });
}

/** A server the Python operator made, and the context of its first reconcile after the takeover. */
async function adopted(name: string, b: AzureFlexibleBackend, spec: ServerSpec = SPEC): Promise<ServerContext> {
  await createPythonAzureServer(emu, { resourceGroup: RESOURCE_GROUP, serverName: `pg-team-a-${name}`, namespace: 'team-a', name, configTags: { costcenter: 'cc-{namespace}' } }, spec, PASSWORD);
  const ctx = serverContext(b, spec, { namespace: 'team-a', name }, PASSWORD);
  return { ...ctx, generation: 3, adoption: { from: 'python-operator', generation: 3, at: '2026-12-06T10:00:00Z' } };
}

const server = (name: string) => emu.server(RESOURCE_GROUP, `pg-team-a-${name}`)!;

describe('a Flexible Server the Python operator created', () => {
  it('is up to date at once, with each setting this operator would choose differently listed, and nothing written', async () => {
    const b = backend();
    const ctx = await adopted('keep', b);
    const writes = emu.writes().length;
    const observation = await b.observe(ctx);
    expect(observation).toMatchObject({ exists: true, ready: true, upToDate: true, differences: [] });
    expect(observation.adoptionDifferences).toEqual([
      'kept until the spec changes: sku Standard_D2ds_v4 (GeneralPurpose) → Standard_D2ds_v5 (GeneralPurpose)',
      'kept until the spec changes: maintenance window day 0 03:00 UTC → day 1 03:00 UTC',
      'kept until the spec changes: server parameter azure.extensions "pg_cron,pg_stat_statements,postgis" → "postgis"',
    ]);
    for (let i = 0; i < 3; i++) expect((await reconcileOnce(b, ctx)).step).toBe('ready');
    expect(emu.writes()).toHaveLength(writes);
    expect(server('keep')).toMatchObject({ sku: { name: 'Standard_D2ds_v4' }, maintenanceWindow: { dayOfWeek: 0, startHour: 3 } });
    expect(emu.parameter(RESOURCE_GROUP, 'pg-team-a-keep', 'azure.extensions')?.value).toBe('pg_cron,pg_stat_statements,postgis');
  });

  it('keeps the v4 SKU of a one-vCore server where this operator would choose the Burstable B1ms', async () => {
    const b = backend();
    const ctx = await adopted('onecpu', b, { ...SPEC, size: { cpu: 1, storageGB: 32 } });
    const observation = await b.observe(ctx);
    expect(observation.upToDate).toBe(true);
    expect(observation.adoptionDifferences).toContain('kept until the spec changes: sku Standard_D2ds_v4 (GeneralPurpose) → Standard_B1ms (Burstable)');
    expect(server('onecpu').sku.name).toBe('Standard_D2ds_v4');
  });

  it('applies the differences together with the first spec change', async () => {
    const b = backend();
    const ctx = await adopted('changed', b);
    const next = withSpec(b, ctx, { ...SPEC, size: { cpu: 2, storageGB: 64 } });
    expect(next.generation).toBe(4);
    const first = await b.observe(next);
    expect(first.upToDate).toBe(false);
    expect(first.adoptionDifferences).toBeUndefined();
    await converge(b, next);
    expect(server('changed')).toMatchObject({ sku: { name: 'Standard_D2ds_v5' }, storage: { storageSizeGB: 64 }, maintenanceWindow: { dayOfWeek: 1, startHour: 3 } });
    expect(emu.parameter(RESOURCE_GROUP, 'pg-team-a-changed', 'azure.extensions')?.value).toBe('postgis');
  });

  it('applies them at once when the admin opts in (python_takeover.apply_differences)', async () => {
    const b = backend(true);
    const ctx = await adopted('optin', b);
    const observation = await b.observe(ctx);
    expect(observation).toMatchObject({ upToDate: false });
    expect(observation.adoptionDifferences).toBeUndefined();
    await converge(b, ctx);
    expect(server('optin')).toMatchObject({ sku: { name: 'Standard_D2ds_v5' }, maintenanceWindow: { dayOfWeek: 1 } });
  });
});
