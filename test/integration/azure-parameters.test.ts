/**
 * Server parameters and extensions of the Flexible Server backend against the ARM emulator:
 * only spec parameters are managed, values Azure normalises do not loop, restarts happen in the
 * maintenance window or on request, never by surprise.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { ServerSpec } from '../../src/api/types.js';
import type { ServerContext } from '../../src/backends/types.js';
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

const base: ServerSpec = { size: { class: 'small', storageGB: 32 }, credentialsSecret: 's' };
const restarts = (server: string) => emu.writes().filter((w) => w.method === 'POST' && w.path.endsWith(`/${server}/restart`)).length;
const param = (server: string, name: string) => emu.parameter(RESOURCE_GROUP, server, name);

describe('server parameters', () => {
  it('sets dynamic parameters once, accepting the form Azure stores them in', async () => {
    const clock = testClock();
    const backend = makeBackend(emu, clock);
    const ctx = serverContext(backend, { ...base, serverParameters: { work_mem: '64MB', log_connections: 'OFF', statement_timeout: 30000 } }, { namespace: 'team-a', name: 'dyn' });
    await converge(backend, ctx);
    expect(param('pg-team-a-dyn', 'work_mem')).toEqual({ value: '65536', isConfigPendingRestart: false });
    expect(param('pg-team-a-dyn', 'log_connections')?.value).toBe('off');
    expect(param('pg-team-a-dyn', 'statement_timeout')?.value).toBe('30000');
    // Parameters the spec does not name keep their values.
    expect(param('pg-team-a-dyn', 'track_io_timing')?.value).toBe('off');
    const writes = emu.writes().length;
    for (let i = 0; i < 3; i++) expect((await reconcileOnce(backend, ctx)).step).toBe('ready');
    expect(emu.writes()).toHaveLength(writes);
    expect(restarts('pg-team-a-dyn')).toBe(0);
  });

  it('turns a value Azure refuses into a permanent error', async () => {
    const backend = makeBackend(emu, testClock());
    const ctx = serverContext(backend, { ...base, serverParameters: { work_mem: 'lots' } }, { namespace: 'team-a', name: 'badvalue' });
    await expect(converge(backend, ctx)).rejects.toThrow(/set server parameter work_mem: Azure rejected the request \(400 InvalidParameterValue/);
  });

  it('reports a spec parameter the server does not know instead of writing it', async () => {
    const backend = makeBackend(emu, testClock());
    const ctx = serverContext(backend, { ...base, serverParameters: { no_such_setting: 'on' } }, { namespace: 'team-a', name: 'unknown' });
    const { observation } = await converge(backend, ctx);
    expect(observation.warning).toMatch(/unknown server parameter\(s\): no_such_setting/);
    expect(emu.writes().filter((w) => /configurations/.test(w.path) && w.path.includes('pg-team-a-unknown'))).toEqual([]);
  });
});

describe('a parameter that needs a restart', () => {
  async function pending(name: string, overrides: Record<string, unknown> = {}, window = true) {
    const clock = testClock('2026-11-18T10:00:00Z'); // Wednesday
    const backend = makeBackend(emu, clock, overrides);
    const spec: ServerSpec = { ...base, ...(window ? { maintenance: { window: { weekday: 'Thu', starttime: '02:00' } } } : {}) };
    let ctx: ServerContext = serverContext(backend, spec, { namespace: 'team-a', name });
    await converge(backend, ctx);
    ctx = withSpec(backend, ctx, { ...spec, serverParameters: { max_connections: 200 } });
    const { observation } = await converge(backend, ctx);
    return { clock, backend, ctx, observation, server: `pg-team-a-${name}` };
  }

  it('is written, reported, and applied by a restart in the next maintenance window', async () => {
    const { clock, backend, ctx, observation, server } = await pending('window');
    expect(param(server, 'max_connections')).toEqual({ value: '200', isConfigPendingRestart: true });
    expect(observation.upToDate).toBe(true);
    expect(observation.warning).toMatch(/max_connections waits for a server restart; it restarts in the next maintenance window \(in 16 h\)/);
    expect(observation.retryAfterSeconds).toBe(16 * 3600);
    expect(restarts(server)).toBe(0);

    clock.set('2026-11-19T02:05:00Z'); // Thursday, inside the window
    const { steps } = await converge(backend, ctx);
    expect(steps).toContain('update');
    expect(restarts(server)).toBe(1);
    expect(param(server, 'max_connections')).toEqual({ value: '200', isConfigPendingRestart: false });
    expect((await reconcileOnce(backend, ctx)).observation.warning).toBeUndefined();
  });

  it('restarts at once when the user asks with the label', async () => {
    const { backend, ctx, server } = await pending('asked', {}, false);
    expect(restarts(server)).toBe(0);
    const asked = { ...ctx, requestedAction: 'restart' } as ServerContext;
    await converge(backend, asked);
    expect(restarts(server)).toBe(1);
  });

  it('only restarts on request with restart_policy on_request', async () => {
    const { clock, backend, ctx, server } = await pending('onrequest', { restart_policy: 'on_request' });
    clock.set('2026-11-19T02:05:00Z');
    const { observation } = await converge(backend, ctx);
    expect(restarts(server)).toBe(0);
    expect(observation.warning).toMatch(/operator\/action=restart/);
  });

  it('restarts right away with restart_policy immediate', async () => {
    const { server } = await pending('immediate', { restart_policy: 'immediate' });
    expect(restarts(server)).toBe(1);
    expect(param(server, 'max_connections')?.isConfigPendingRestart).toBe(false);
  });
});

describe('extensions', () => {
  it('allow-lists spec extensions in azure.extensions and preloads those that need it', async () => {
    const backend = makeBackend(emu, testClock());
    const ctx = serverContext(backend, { ...base, extensions: ['pg_trgm', 'timescaledb'] }, { namespace: 'team-a', name: 'ext' });
    const { observation } = await converge(backend, ctx);
    expect(param('pg-team-a-ext', 'azure.extensions')?.value).toBe('pg_trgm,timescaledb');
    expect(param('pg-team-a-ext', 'shared_preload_libraries')).toEqual({ value: 'pg_cron,pg_stat_statements,timescaledb', isConfigPendingRestart: true });
    expect(observation.warning).toMatch(/shared_preload_libraries waits for a server restart/);
    expect(backend.databasePolicy(ctx.spec)).toEqual({ dropOnDelete: true, allowedExtensions: ['pg_trgm', 'timescaledb'] });
  });

  it('refuses extensions outside the allow-list before any request', () => {
    const backend = makeBackend(emu, testClock(), { allowed_extensions: ['pg_trgm'] });
    const result = backend.validate({ ...base, extensions: ['pg_trgm', 'plv8'] }, { namespace: 'team-a', name: 'x' });
    expect(result).toEqual({ ok: false, problems: [expect.objectContaining({ reason: 'ExtensionNotAllowed', field: 'spec.extensions' })] });
  });
});
