/**
 * Taking over RDS instances and Aurora clusters the Python operator created (built in the RDS
 * emulator as its `create_or_update_server` built them, see test/support/python-operator/aws-server.ts):
 * the first reconciles send no Modify and no AddTags, and report what this operator would choose
 * differently (Aurora's backup retention 1 → 7 days, its own owner tag, a maintenance window the
 * Python operator never managed to set) and that deleting now keeps a final snapshot; a spec
 * change or `python_takeover.apply_differences` applies them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServerSpec } from '../../src/api/types.js';
import { AwsAuroraBackend, AwsRdsBackend } from '../../src/backends/aws-rds/index.js';
import type { ServerBackend, ServerContext } from '../../src/backends/types.js';
import { startRdsEmulator, type RdsEmulator } from '../support/rds-emulator/index.js';
import { backendOptions, nextContext, serverContext } from '../support/rds-emulator/fixtures.js';
import { CATALOG_WITH_PYTHON_MINORS, createPythonAuroraCluster, createPythonRdsInstance } from '../support/python-operator/aws-server.js';

const PASSWORD = 'Pyth0nMadePassw0rd';
const SECTION = {
  subnet_group: 'db-subnets',
  classes: { small: { instance_type: 'db.m5.large' } },
  default_class: 'small',
  apply_changes: 'immediately',
};
const SPEC: ServerSpec = { version: '15', size: { class: 'small', storageGB: 20 }, credentialsSecret: 'legacy-credentials' };
const ADOPTION = { from: 'python-operator' as const, generation: 2, at: '2026-12-06T10:00:00Z' };

let emulator: RdsEmulator;
const backends: ServerBackend[] = [];

beforeAll(async () => {
  emulator = await startRdsEmulator({ catalog: CATALOG_WITH_PYTHON_MINORS });
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close?.()));
});
afterAll(async () => {
  await emulator.close();
});

function rds(extra: Record<string, unknown> = {}): AwsRdsBackend {
  const b = new AwsRdsBackend({ ...backendOptions(emulator, SECTION), ...extra });
  backends.push(b);
  return b;
}

function aurora(extra: Record<string, unknown> = {}): AwsAuroraBackend {
  const b = new AwsAuroraBackend({ ...backendOptions(emulator, SECTION), ...extra });
  backends.push(b);
  return b;
}

/** The context of the first reconcile after the takeover (the handler sets `adoption` from status). */
function adoptedContext(b: ServerBackend, name: string, spec: ServerSpec = SPEC): ServerContext {
  return { ...serverContext(b, name, spec, PASSWORD), generation: 2, adoption: ADOPTION };
}

const mutating = () => emulator.calls.filter((c) => !c.action.startsWith('Describe')).length;

/** observe → update when due, as the handler does; answers the observation. */
async function reconcile(b: ServerBackend, ctx: ServerContext) {
  const seen = await b.observe(ctx);
  if (!seen.upToDate && !seen.busy) await b.update(ctx, seen);
  emulator.settle();
  return seen;
}

const SNAPSHOT_NOTE = 'deletion: the Python operator deleted servers without a final snapshot; this operator takes one (final_snapshot: true in the config), so deleting this server keeps a snapshot that costs storage until someone deletes it';

describe('an RDS instance the Python operator created', () => {
  it('is up to date at once: no Modify, no tags, the differences and the final-snapshot policy reported', async () => {
    await createPythonRdsInstance(emulator, { identifier: 'default-legacy', namespace: 'default', name: 'legacy', instanceClass: 'db.m5.large', password: PASSWORD });
    const b = rds();
    const ctx = adoptedContext(b, 'legacy', { ...SPEC, maintenance: { window: { weekday: 'Tue', starttime: '04:00' } } });
    const before = mutating();
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ exists: true, ready: true, upToDate: true, differences: [] });
    expect(seen.retryAfterSeconds).toBeUndefined();
    expect(seen.adoptionDifferences).toEqual([
      // RDS chose a window when the Python operator set none.
      'kept until the spec changes: maintenance window sun:05:00-sun:05:30 → tue:04:00-tue:04:30',
      'kept until the spec changes: tags hybridcloud.maibornwolff.de/server=unset → default/legacy',
      SNAPSHOT_NOTE,
    ]);
    for (let i = 0; i < 3; i++) expect((await reconcile(b, ctx)).upToDate).toBe(true);
    expect(mutating()).toBe(before);
    expect(emulator.instance('default-legacy')?.tags).toEqual({ 'hybridcloud-postgresql-operator:namespace': 'default', 'hybridcloud-postgresql-operator:name': 'legacy' });
  });

  it('says nothing about snapshots when the config skips them as the Python operator did', async () => {
    const b = new AwsRdsBackend({ ...backendOptions(emulator, { ...SECTION, final_snapshot: false }) });
    backends.push(b);
    const seen = await b.observe(adoptedContext(b, 'legacy'));
    expect(seen.adoptionDifferences).toEqual(['kept until the spec changes: tags hybridcloud.maibornwolff.de/server=unset → default/legacy']);
  });

  it('applies the differences with the first spec change', async () => {
    const b = rds();
    const ctx = adoptedContext(b, 'legacy');
    const changed = { ...nextContext(b, ctx, { spec: { ...SPEC, size: { class: 'small', storageGB: 30 } } }), generation: 3 };
    const seen = await reconcile(b, changed);
    expect(seen.upToDate).toBe(false);
    expect(emulator.callsOf('AddTagsToResource')).toHaveLength(1);
    expect(emulator.instance('default-legacy')?.tags['hybridcloud.maibornwolff.de/server']).toBe('default/legacy');
    expect(emulator.callsOf('ModifyDBInstance').at(-1)?.params).toMatchObject({ AllocatedStorage: '30' });
  });
});

describe('an Aurora cluster the Python operator created', () => {
  it('keeps its one day of backups and adds no tags, until the spec changes', async () => {
    await createPythonAuroraCluster(emulator, { identifier: 'default-reports', namespace: 'default', name: 'reports', instanceClass: 'db.m5.large', password: PASSWORD });
    const b = aurora();
    const ctx = adoptedContext(b, 'reports');
    const before = mutating();
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ exists: true, ready: true, upToDate: true, differences: [] });
    expect(seen.adoptionDifferences).toEqual([
      'kept until the spec changes: backup retention 1 → 7 days',
      'kept until the spec changes: tags hybridcloud.maibornwolff.de/server=unset → default/reports',
      SNAPSHOT_NOTE,
    ]);
    for (let i = 0; i < 3; i++) await reconcile(b, ctx);
    expect(mutating()).toBe(before);
    expect(emulator.cluster('default-reports')?.backupRetention).toBe(1);
  });

  it('applies them at once when the admin opts in (python_takeover.apply_differences)', async () => {
    const b = aurora({ applyAdoptionDifferences: true });
    const ctx = adoptedContext(b, 'reports');
    const seen = await reconcile(b, ctx);
    expect(seen.upToDate).toBe(false);
    expect(seen.adoptionDifferences).toBeUndefined();
    expect(emulator.callsOf('ModifyDBCluster').at(-1)?.params).toMatchObject({ DBClusterIdentifier: 'default-reports', BackupRetentionPeriod: '7' });
    expect(emulator.cluster('default-reports')?.backupRetention).toBe(7);
  });
});
