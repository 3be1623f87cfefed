/**
 * The Flexible Server backend with the real Azure SDK against the local ARM emulator: create,
 * update of every managed field, no-op reconciles, password reset, HA, failures and throttling.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import type { ServerSpec } from '../../src/api/types.js';
import { PermanentError, TemporaryError } from '../../src/backends/errors.js';
import { AZURE_CA_BUNDLE } from '../../src/backends/azure-flexible/index.js';
import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator/index.js';
import { makeBackend, RESOURCE_GROUP, testClock, type TestClock } from '../support/azure-emulator/backend.js';
import { converge, reconcileOnce, serverContext, withSpec } from '../support/azure-emulator/drive.js';

const NAME = 'pg-team-a-orders';

let emu: AzureEmulator;
let clock: TestClock;

beforeAll(async () => {
  emu = await startAzureEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  clock = testClock();
  emu.pollsToComplete = 1;
});

const baseSpec: ServerSpec = { version: 'latest', size: { class: 'small', storageGB: 50 }, credentialsSecret: 'orders-admin' };

/** A created, converged server under a unique name. */
async function created(name: string, spec: ServerSpec = baseSpec, overrides: Record<string, unknown> = {}) {
  const backend = makeBackend(emu, clock, overrides);
  const ctx = serverContext(backend, spec, { namespace: 'team-a', name });
  await converge(backend, ctx);
  return { backend, ctx, server: () => emu.server(RESOURCE_GROUP, `pg-team-a-${name}`)! };
}

const writesSince = (n: number) => emu.writes().slice(n);

describe('create', () => {
  it('starts the creation without waiting for it, then reports the server ready', async () => {
    emu.pollsToComplete = 3;
    const backend = makeBackend(emu, clock);
    const ctx = serverContext(backend, { ...baseSpec, maintenance: { window: { weekday: 'Wed', starttime: '03:15' } } });
    const first = await reconcileOnce(backend, ctx);
    expect(first.step).toBe('create');
    // The create returned while Azure still runs the operation: nothing awaited it.
    expect(emu.runningOperations()).toBe(1);
    expect(JSON.stringify(ctx.state)).toContain('azureAsyncOperation');
    expect(JSON.stringify(ctx.state)).not.toContain('Initial-Passw0rd-123');

    const waiting = await reconcileOnce(backend, ctx);
    expect(waiting.step).toBe('wait');
    expect(waiting.observation).toMatchObject({ exists: true, ready: false, busy: true });

    const { observation } = await converge(backend, ctx);
    expect(observation).toMatchObject({ exists: true, ready: true, upToDate: true });
    expect(observation.endpoint).toEqual({ host: `${NAME}.postgres.database.azure.com`, port: 5432, sslmode: 'verify-full', caCert: AZURE_CA_BUNDLE });
    expect(ctx.state).toEqual({ identity: { serverName: 'pg-team-a-orders', resourceGroup: 'rg-databases' }, ops: [], managedFirewallRules: [] });

    const s = emu.server(RESOURCE_GROUP, NAME)!;
    expect(s).toMatchObject({
      location: 'westeurope',
      sku: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' },
      version: '18',
      administratorLogin: 'postgres',
      administratorLoginPassword: 'Initial-Passw0rd-123',
      storage: { storageSizeGB: 64, autoGrow: 'Disabled' },
      backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled' },
      highAvailability: { mode: 'Disabled' },
      maintenanceWindow: { customWindow: 'Enabled', dayOfWeek: 3, startHour: 3, startMinute: 15 },
      availabilityZone: '1',
      network: { publicNetworkAccess: 'Enabled' },
      tags: { costcenter: 'cc-team-a', 'hybridcloud-postgresql-operator:namespace': 'team-a', 'hybridcloud-postgresql-operator:name': 'orders' },
    });
    expect(emu.requests.every((r) => r.apiVersion === '2025-08-01')).toBe(true);
  });

  it('resumes a running creation in a new process from the saved state', async () => {
    emu.pollsToComplete = 2;
    const first = makeBackend(emu, clock);
    const ctx = serverContext(first, baseSpec, { namespace: 'team-a', name: 'resumed' });
    await reconcileOnce(first, ctx);
    const second = makeBackend(emu, clock); // the operator restarted
    const { steps } = await converge(second, ctx);
    expect(steps).not.toContain('create');
    expect(emu.writes().filter((w) => w.method === 'PUT' && w.path.endsWith('/pg-team-a-resumed'))).toHaveLength(1);
  });

  it('adopts an existing server named by an override instead of the pattern', async () => {
    await created('legacy');
    const backend = makeBackend(emu, clock, { name_overrides: [{ namespace: 'team-b', name: 'billing', azure_name: 'pg-team-a-legacy' }] });
    const ctx = serverContext(backend, baseSpec, { namespace: 'team-b', name: 'billing' });
    const before = emu.writes().length;
    const { steps } = await converge(backend, ctx);
    expect(steps).not.toContain('create');
    // Only the tags naming the new owner change.
    expect(writesSince(before).map((w) => w.body)).toEqual([{ properties: {}, tags: expect.objectContaining({ 'hybridcloud-postgresql-operator:namespace': 'team-b' }) }]);
  });

  it('turns a request Azure rejects into a permanent error', async () => {
    const backend = makeBackend(emu, clock, { classes: { odd: { name: 'Standard_D2ds_v5', tier: 'Burstable' } }, default_class: 'odd' });
    const ctx = serverContext(backend, { size: { storageGB: 32 }, credentialsSecret: 's' }, { namespace: 'team-a', name: 'rejected' });
    await expect(reconcileOnce(backend, ctx)).rejects.toThrow(PermanentError);
    await expect(reconcileOnce(backend, ctx)).rejects.toThrow(/not offered in tier Burstable/);
  });
});

describe('steady state', () => {
  it('sends no write and a bounded number of reads per hour', async () => {
    const { backend, ctx } = await created('steady', baseSpec, { lock_from_deletion: true });
    const before = emu.requests.length;
    // One hour of periodic reconciles every 5 minutes.
    for (let i = 0; i < 12; i++) {
      clock.advance(300);
      expect((await reconcileOnce(backend, ctx)).step).toBe('ready');
    }
    const hour = emu.requests.slice(before);
    expect(hour.filter((r) => r.method !== 'GET')).toEqual([]);
    // Per reconcile: the server, its firewall rules and its delete lock.
    expect(hour).toHaveLength(12 * 3);
  });
});

describe('update', () => {
  const cases: [string, Partial<ServerSpec>, Record<string, unknown>][] = [
    ['the SKU (class)', { size: { class: 'large', storageGB: 50 } }, { properties: {}, sku: { name: 'Standard_D8ds_v5', tier: 'GeneralPurpose' } }],
    ['the storage size', { size: { class: 'small', storageGB: 200 } }, { properties: { storage: { storageSizeGB: 256 } } }],
    ['storage auto-grow', { size: { class: 'small', storageGB: 50, storageAutoGrow: true } }, { properties: { storage: { autoGrow: 'Enabled' } } }],
    ['backup retention', { backup: { retentionDays: 21 } }, { properties: { backup: { backupRetentionDays: 21 } } }],
    ['the maintenance window', { maintenance: { window: { weekday: 'Sun', starttime: '22:45' } } }, { properties: { maintenanceWindow: { customWindow: 'Enabled', dayOfWeek: 0, startHour: 22, startMinute: 45 } } }],
    ['high availability', { highavailability: { enabled: true } }, { properties: { highAvailability: { mode: 'ZoneRedundant', standbyAvailabilityZone: '2' } } }],
    ['the major version', { version: 18 }, { properties: { version: '18' } }],
  ];

  it.each(cases)('changes %s with one PATCH of only that field', async (_what, change, body) => {
    const name = `upd-${_what.replace(/[^a-z]/g, '').slice(0, 12)}`;
    const start: ServerSpec = change.version ? { ...baseSpec, version: 17 } : baseSpec;
    const { backend, ctx, server } = await created(name, start);
    const before = emu.writes().length;
    const next = withSpec(backend, ctx, { ...start, ...change });
    const { steps } = await converge(backend, next);
    expect(steps).toContain('update');
    const writes = writesSince(before);
    expect(writes.map((w) => `${w.method} ${w.status}`)).toEqual(['PATCH 202']);
    expect(writes[0]!.body).toEqual(body);
    // And Azure has it now: the next reconcile is quiet.
    const after = emu.writes().length;
    expect((await reconcileOnce(backend, next)).step).toBe('ready');
    expect(emu.writes()).toHaveLength(after);
    expect(server().state).toBe('Ready');
  });

  it('changes the tags when the config changes', async () => {
    const { ctx } = await created('tags');
    const backend = makeBackend(emu, clock, { tags: { costcenter: 'cc-{namespace}', owner: '{name}' } });
    const before = emu.writes().length;
    await converge(backend, ctx);
    expect(writesSince(before).map((w) => w.body)).toEqual([{ properties: {}, tags: expect.objectContaining({ owner: 'tags', costcenter: 'cc-team-a' }) }]);
  });

  it('never shrinks storage: no write, a warning', async () => {
    const { backend, ctx } = await created('shrink', { ...baseSpec, size: { class: 'small', storageGB: 128 } });
    const before = emu.writes().length;
    const { observation } = await converge(backend, withSpec(backend, ctx, { ...baseSpec, size: { class: 'small', storageGB: 32 } }));
    expect(emu.writes()).toHaveLength(before);
    expect(observation.warning).toMatch(/never shrinks/);
  });

  it('corrects drift made outside the operator', async () => {
    const { backend, ctx, server } = await created('drift');
    emu.mutateServer(RESOURCE_GROUP, 'pg-team-a-drift', (s) => (s.backup.backupRetentionDays = 30));
    const observed = await reconcileOnce(backend, ctx);
    expect(observed.step).toBe('update');
    expect(observed.observation.differences).toEqual(['backup retention 30 → 7 days']);
    await converge(backend, ctx);
    expect(server().backup.backupRetentionDays).toBe(7);
  });

  it('waits while Azure works on the server by itself', async () => {
    const { backend, ctx } = await created('maint');
    emu.mutateServer(RESOURCE_GROUP, 'pg-team-a-maint', (s) => (s.state = 'Updating'));
    const r = await reconcileOnce(backend, ctx);
    expect(r.step).toBe('wait');
    expect(r.observation.message).toMatch(/updating/);
  });
});

describe('admin password', () => {
  it('changes administratorLoginPassword and reports it applied once Azure is done', async () => {
    emu.pollsToComplete = 2;
    const { backend, ctx, server } = await created('pw');
    const first = await backend.setAdminPassword(ctx, 'New-Passw0rd-456', undefined);
    expect(first.applied).toBe(false);
    expect(JSON.stringify(first.state)).not.toContain('New-Passw0rd-456');
    ctx.state = first.state!;
    let result = first;
    for (let i = 0; i < 5 && !result.applied; i++) {
      result = await backend.setAdminPassword(ctx, 'New-Passw0rd-456', undefined);
      ctx.state = result.state!;
    }
    expect(result.applied).toBe(true);
    expect(server().administratorLoginPassword).toBe('New-Passw0rd-456');
    const patches = emu.writes().filter((w) => w.method === 'PATCH' && w.path.endsWith('/pg-team-a-pw'));
    expect(patches.map((w) => w.body)).toEqual([{ properties: { administratorLoginPassword: 'New-Passw0rd-456' } }]);
    // Asked again with the same password: already applied, nothing sent.
    const count = emu.requests.length;
    expect((await backend.setAdminPassword(ctx, 'New-Passw0rd-456', undefined)).applied).toBe(true);
    expect(emu.requests).toHaveLength(count);
  });

  it('connects as admin over verify-full with the Azure CA bundle', async () => {
    const { backend, ctx } = await created('conn');
    const { observation } = await converge(backend, ctx);
    expect(backend.adminConnection(ctx, observation.endpoint!)).toEqual({
      host: 'pg-team-a-conn.postgres.database.azure.com', port: 5432, user: 'postgres', password: 'Initial-Passw0rd-123', database: 'postgres', sslmode: 'verify-full', caCert: AZURE_CA_BUNDLE,
    });
  });
});

describe('failures', () => {
  it('records a failed creation, backs off, then tries again', async () => {
    const backend = makeBackend(emu, clock);
    const ctx = serverContext(backend, baseSpec, { namespace: 'team-a', name: 'failing' });
    emu.failNextOperation({ method: 'PUT', path: /pg-team-a-failing$/ }, 'InternalServerError', 'Provisioning ran into trouble');
    expect((await reconcileOnce(backend, ctx)).step).toBe('create');
    const failed = await reconcileOnce(backend, ctx);
    expect(failed.observation.exists).toBe(false);
    expect(failed.observation.warning).toMatch(/create failed: .*Provisioning ran into trouble/);
    expect(failed.message).toMatch(/trying again in 60 s/);
    const puts = () => emu.writes().filter((w) => w.method === 'PUT' && w.path.endsWith('pg-team-a-failing')).length;
    expect(puts()).toBe(1);
    clock.advance(61);
    await converge(backend, ctx);
    expect(puts()).toBe(2);
    expect(ctx.state).toEqual({ identity: { serverName: 'pg-team-a-failing', resourceGroup: 'rg-databases' }, ops: [], managedFirewallRules: [] }); // the failure is cleared
  });

  it('backs off after a failed update, but tries a changed spec at once', async () => {
    const { backend, ctx } = await created('refix');
    const broken = withSpec(backend, ctx, { ...baseSpec, backup: { retentionDays: 12 } });
    emu.failNextOperation({ method: 'PATCH', path: /pg-team-a-refix$/ }, 'InternalServerError', 'Scaling failed');
    expect((await reconcileOnce(backend, broken)).step).toBe('update');
    const held = await reconcileOnce(backend, broken);
    expect(held.observation.warning).toMatch(/update failed: .*Scaling failed/);
    expect(held.message).toMatch(/trying again in 60 s/);
    const patches = () => emu.writes().filter((w) => w.method === 'PATCH' && w.path.endsWith('/pg-team-a-refix')).length;
    expect(patches()).toBe(1);
    const fixed = withSpec(backend, broken, { ...baseSpec, backup: { retentionDays: 13 } });
    await converge(backend, fixed);
    expect(patches()).toBe(2);
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-refix')!.backup.backupRetentionDays).toBe(13);
  });

  it('keeps polling after a 5xx on the status URL', async () => {
    emu.pollsToComplete = 2;
    const { backend, ctx } = await created('flaky');
    const next = withSpec(backend, ctx, { ...baseSpec, backup: { retentionDays: 10 } });
    await reconcileOnce(backend, next);
    emu.failNext({ path: /azureAsyncOperation/ }, { status: 503, code: 'ServiceUnavailable' });
    await expect(reconcileOnce(backend, next)).rejects.toThrow(TemporaryError);
    await converge(backend, next);
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-flaky')!.backup.backupRetentionDays).toBe(10);
  });

  it('respects 429 Retry-After: no request until it has passed', async () => {
    const { backend, ctx } = await created('throttled');
    emu.failNext({ method: 'GET', path: /pg-team-a-throttled$/ }, { status: 429, code: 'TooManyRequests' }, { retryAfter: '17' });
    const err = await reconcileOnce(backend, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporaryError);
    expect((err as TemporaryError).retryAfterSeconds).toBe(17);
    const count = emu.requests.length;
    clock.advance(10);
    await expect(reconcileOnce(backend, ctx)).rejects.toMatchObject({ retryAfterSeconds: 7 });
    expect(emu.requests).toHaveLength(count);
    clock.advance(8);
    expect((await reconcileOnce(backend, ctx)).step).toBe('ready');
  });

  it('retries a write Azure refused while busy (409) on the next reconcile', async () => {
    const { backend, ctx } = await created('busy');
    const next = withSpec(backend, ctx, { ...baseSpec, backup: { retentionDays: 9 } });
    emu.failNext({ method: 'PATCH' }, { status: 409, code: 'ServerBusy' });
    await expect(reconcileOnce(backend, next)).rejects.toThrow(/ServerBusy/);
    await converge(backend, next);
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-busy')!.backup.backupRetentionDays).toBe(9);
  });
});
