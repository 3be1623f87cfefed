/**
 * Deletion with the Flexible Server backend against the ARM emulator: real deletion observed
 * until done, delete locks (the operator's own and inherited ones) that block with a clear
 * message, and fake deletion that only tags the server.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { ServerSpec } from '../../src/api/types.js';
import type { ServerBackend, ServerContext, DeleteResult } from '../../src/backends/types.js';
import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator/index.js';
import { makeBackend, RESOURCE_GROUP, testClock } from '../support/azure-emulator/backend.js';
import { converge, serverContext } from '../support/azure-emulator/drive.js';

let emu: AzureEmulator;
beforeAll(async () => {
  emu = await startAzureEmulator();
});
afterAll(async () => {
  await emu.close();
});

const spec: ServerSpec = { size: { storageGB: 32 }, credentialsSecret: 's' };
const serverId = (name: string) => `/subscriptions/${emu.subscriptionId}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;

async function deleteOnce(backend: ServerBackend, ctx: ServerContext): Promise<DeleteResult> {
  const r = await backend.delete(ctx);
  if (r.state) ctx.state = r.state;
  return r;
}

async function deleteUntilGone(backend: ServerBackend, ctx: ServerContext): Promise<DeleteResult[]> {
  const results: DeleteResult[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await deleteOnce(backend, ctx);
    results.push(r);
    if (r.gone || r.blocked) return results;
  }
  throw new Error(`not gone: ${results.map((r) => r.message).join(' | ')}`);
}

describe('delete', () => {
  it('starts the deletion and observes it until the server is gone', async () => {
    emu.pollsToComplete = 2;
    const backend = makeBackend(emu, testClock());
    const ctx = serverContext(backend, spec, { namespace: 'team-a', name: 'gone' });
    await converge(backend, ctx);
    const first = await deleteOnce(backend, ctx);
    expect(first).toMatchObject({ gone: false, message: 'deleting server pg-team-a-gone' });
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-gone')?.state).toBe('Dropping');
    const rest = await deleteUntilGone(backend, ctx);
    expect(rest.at(-1)).toMatchObject({ gone: true });
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-gone')).toBeUndefined();
    expect(emu.writes().filter((w) => w.method === 'DELETE' && w.path.endsWith('pg-team-a-gone'))).toHaveLength(1);
    // Again after it is gone (e.g. a retried reconcile): done, nothing sent but a read.
    expect(await backend.delete(ctx)).toMatchObject({ gone: true });
    emu.pollsToComplete = 1;
  });

  it('deletes the server by the name pinned when it was created, after name_pattern changed', async () => {
    emu.pollsToComplete = 0;
    const before = makeBackend(emu, testClock());
    const ctx = serverContext(before, spec, { namespace: 'team-a', name: 'renamed' });
    await converge(before, ctx);
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-renamed')).toBeDefined();
    const after = makeBackend(emu, testClock(), { name_pattern: 'db-{namespace}-{name}' });
    expect(await after.observe(ctx)).toMatchObject({ exists: true });
    expect((await deleteUntilGone(after, ctx)).at(-1)).toMatchObject({ gone: true });
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-renamed')).toBeUndefined();
    expect(emu.writes().some((w) => w.path.includes('db-team-a-renamed'))).toBe(false);
    emu.pollsToComplete = 1;
  });

  it('puts the delete lock, then waits with a clear message until someone removes it', async () => {
    const backend = makeBackend(emu, testClock(), { lock_from_deletion: true });
    const ctx = serverContext(backend, spec, { namespace: 'team-a', name: 'locked' });
    await converge(backend, ctx);
    expect(emu.locks()).toContainEqual({ scope: serverId('pg-team-a-locked'), name: 'DoNotDeleteLock', level: 'CanNotDelete', notes: 'Protection from accidental deletion' });

    const blocked = await deleteOnce(backend, ctx);
    expect(blocked).toMatchObject({ gone: false, blocked: true, message: expect.stringMatching(/DoNotDeleteLock \(CanNotDelete\) prevent deleting/) });
    expect(emu.writes().filter((w) => w.method === 'DELETE' && w.path.endsWith('pg-team-a-locked'))).toEqual([]);
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-locked')?.state).toBe('Ready');

    emu.removeLock(serverId('pg-team-a-locked'), 'DoNotDeleteLock');
    const results = await deleteUntilGone(backend, ctx);
    expect(results.at(-1)).toMatchObject({ gone: true });
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-locked')).toBeUndefined();
  });

  it('recreates its lock if someone removed it while the server lives', async () => {
    const backend = makeBackend(emu, testClock(), { lock_from_deletion: true });
    const ctx = serverContext(backend, spec, { namespace: 'team-a', name: 'relock' });
    await converge(backend, ctx);
    emu.removeLock(serverId('pg-team-a-relock'), 'DoNotDeleteLock');
    const { steps } = await converge(backend, ctx);
    expect(steps).toEqual(['update', 'ready']);
    expect(emu.locks().map((l) => l.scope)).toContain(serverId('pg-team-a-relock'));
    emu.removeLock(serverId('pg-team-a-relock'), 'DoNotDeleteLock');
  });

  it('is blocked by a lock inherited from the resource group', async () => {
    const backend = makeBackend(emu, testClock());
    const ctx = serverContext(backend, spec, { namespace: 'team-a', name: 'rglock' });
    await converge(backend, ctx);
    const rgScope = `/subscriptions/${emu.subscriptionId}/resourceGroups/${RESOURCE_GROUP}`;
    emu.addLock(rgScope, 'protect-rg');
    try {
      expect(await deleteOnce(backend, ctx)).toMatchObject({ blocked: true, message: expect.stringContaining('protect-rg') });
    } finally {
      emu.removeLock(rgScope, 'protect-rg');
    }
    expect((await deleteUntilGone(backend, ctx)).at(-1)).toMatchObject({ gone: true });
  });

  it('reports blocked when a lock appears between the check and the request (409 ScopeLocked)', async () => {
    const backend = makeBackend(emu, testClock());
    const ctx = serverContext(backend, spec, { namespace: 'team-a', name: 'race' });
    await converge(backend, ctx);
    emu.failNext({ method: 'DELETE' }, { status: 409, code: 'ScopeLocked', message: 'The scope cannot perform delete operation because following scope(s) are locked' });
    expect(await deleteOnce(backend, ctx)).toMatchObject({ gone: false, blocked: true });
    expect((await deleteUntilGone(backend, ctx)).at(-1)).toMatchObject({ gone: true });
  });
});

describe('fake deletion', () => {
  it('only tags the server and lets the CR go; databases are kept too', async () => {
    const backend = makeBackend(emu, testClock(), { server_delete_fake: true, database_delete_fake: true });
    const ctx = serverContext(backend, spec, { namespace: 'team-a', name: 'fake' });
    await converge(backend, ctx);
    expect(backend.databasePolicy(spec).dropOnDelete).toBe(false);
    const results = await deleteUntilGone(backend, ctx);
    expect(results.at(-1)).toMatchObject({ gone: true, message: 'server kept in Azure, tagged as deleted' });
    const server = emu.server(RESOURCE_GROUP, 'pg-team-a-fake')!;
    expect(server.state).toBe('Ready');
    expect(server.tags).toMatchObject({ 'hybridcloud-postgresql-operator:marked-for-deletion': 'yes', 'hybridcloud-postgresql-operator:name': 'fake' });
    expect(emu.writes().filter((w) => w.method === 'DELETE' && w.path.endsWith('pg-team-a-fake'))).toEqual([]);

    // A CR created again under the same name takes the server back and clears the mark.
    const again = serverContext(backend, spec, { namespace: 'team-a', name: 'fake' });
    await converge(backend, again);
    expect(emu.server(RESOURCE_GROUP, 'pg-team-a-fake')!.tags).not.toHaveProperty('hybridcloud-postgresql-operator:marked-for-deletion');
  });

  it('tags even a locked server (a lock forbids deleting, not tagging)', async () => {
    const backend = makeBackend(emu, testClock(), { server_delete_fake: true, lock_from_deletion: true });
    const ctx = serverContext(backend, spec, { namespace: 'team-a', name: 'fakelocked' });
    await converge(backend, ctx);
    expect((await deleteUntilGone(backend, ctx)).at(-1)).toMatchObject({ gone: true });
    emu.removeLock(serverId('pg-team-a-fakelocked'), 'DoNotDeleteLock');
  });
});
