import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AwsAuroraBackend } from '../../src/backends/aws-rds/index.js';
import type { ServerContext } from '../../src/backends/types.js';
import type { ServerSpec } from '../../src/api/types.js';
import { startRdsEmulator } from '../support/rds-emulator/index.js';
import type { RdsEmulator } from '../support/rds-emulator/index.js';
import { backendOptions, createReady as createReadyIn, nextContext, serverContext, spec } from '../support/rds-emulator/fixtures.js';

const SECTION = {
  vpc_security_group_ids: ['sg-app'],
  subnet_group: 'db-subnets',
  availability_zones: ['eu-central-1a', 'eu-central-1b'],
  classes: {
    serverless: { instance_type: 'db.serverless', scaling_configuration: { min_capacity: 0.5, max_capacity: 2 } },
    bigger: { instance_type: 'db.serverless', scaling_configuration: { min_capacity: 1, max_capacity: 8 } },
    provisioned: { instance_type: 'db.r6g.large', storage_type: 'aurora-iopt1' },
  },
  default_class: 'serverless',
  apply_changes: 'immediately',
};

let emulator: RdsEmulator;
const backends: AwsAuroraBackend[] = [];

function backend(section: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): AwsAuroraBackend {
  const b = new AwsAuroraBackend({ ...backendOptions(emulator, { ...SECTION, ...section }), ...extra });
  backends.push(b);
  return b;
}

const createReady = (b: AwsAuroraBackend, name: string, s?: ServerSpec): Promise<ServerContext> => createReadyIn(emulator, b, name, s);

beforeAll(async () => {
  emulator = await startRdsEmulator();
});

afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close()));
  emulator.setDelays({ create: 0, modify: 0, delete: 0, password: 0 });
});

afterAll(async () => {
  await emulator.close();
});

describe('awsaurora', () => {
  it('creates a Serverless v2 cluster and its writer, busy until both are available', async () => {
    emulator.setDelays({ create: 3_600_000 });
    const b = backend();
    let ctx = serverContext(b, 'analytics', spec({ version: 16, backup: { retentionDays: 10 }, maintenance: { window: { weekday: 'Tue', starttime: '04:30' } } }));
    expect(await b.observe(ctx)).toMatchObject({ exists: false });
    const created = await b.create(ctx);
    expect(emulator.callsOf('CreateDBCluster').at(-1)?.params).toMatchObject({
      DBClusterIdentifier: 'default-analytics',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.8',
      MasterUsername: 'postgres',
      MasterUserPassword: 'initialPassword123',
      StorageEncrypted: 'true',
      BackupRetentionPeriod: '10',
      PreferredMaintenanceWindow: 'tue:04:30-tue:05:00',
      PreferredBackupWindow: '03:30-04:00',
      'AvailabilityZones.AvailabilityZone.2': 'eu-central-1b',
      DBSubnetGroupName: 'db-subnets',
      'ServerlessV2ScalingConfiguration.MinCapacity': '0.5',
      'ServerlessV2ScalingConfiguration.MaxCapacity': '2',
    });
    expect(emulator.callsOf('CreateDBInstance').at(-1)?.params).toMatchObject({
      DBInstanceIdentifier: 'default-analytics-primary',
      DBClusterIdentifier: 'default-analytics',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.serverless',
      AvailabilityZone: 'eu-central-1a',
    });
    ctx = nextContext(b, ctx, { state: created.state });
    const creating = await b.observe(ctx);
    expect(creating).toMatchObject({ exists: true, ready: false, busy: true });
    emulator.settle();
    const ready = await b.observe(nextContext(b, ctx, { state: creating.state }));
    expect(ready).toMatchObject({ ready: true, upToDate: true, busy: false });
    expect(ready.endpoint).toMatchObject({ host: 'default-analytics.cluster-c0ffee123456.eu-central-1.rds.amazonaws.com', port: 5432, sslmode: 'verify-full' });
  });

  it('sends no Modify when nothing changed', async () => {
    const b = backend();
    const ctx = await createReady(b, 'quiet');
    const before = emulator.callsOf('ModifyDBCluster').length + emulator.callsOf('ModifyDBInstance').length;
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ upToDate: true, differences: [] });
    await b.update(ctx, seen);
    expect(emulator.callsOf('ModifyDBCluster').length + emulator.callsOf('ModifyDBInstance').length).toBe(before);
  });

  it('changes the Serverless v2 capacity on the cluster', async () => {
    const b = backend();
    const ctx0 = await createReady(b, 'scaled');
    const ctx = nextContext(b, ctx0, { spec: spec({ size: { storageGB: 20, class: 'bigger' } }) });
    const seen = await b.observe(ctx);
    expect(seen.differences).toEqual(['Serverless v2 capacity 0.5-2 → 1-8 ACU']);
    await b.update(ctx, seen);
    expect(emulator.callsOf('ModifyDBCluster').at(-1)?.params).toMatchObject({
      DBClusterIdentifier: 'default-scaled',
      'ServerlessV2ScalingConfiguration.MinCapacity': '1',
      'ServerlessV2ScalingConfiguration.MaxCapacity': '8',
    });
    emulator.settle();
    expect(await b.observe(ctx)).toMatchObject({ upToDate: true });
  });

  it('changes cluster settings first and the writer class on the next reconcile', async () => {
    const b = backend();
    const ctx0 = await createReady(b, 'resized');
    const ctx = nextContext(b, ctx0, { spec: spec({ size: { storageGB: 20, class: 'provisioned' }, backup: { retentionDays: 21 } }) });
    const seen = await b.observe(ctx);
    const first = await b.update(ctx, seen);
    // The writer's class waits its turn: it is not among the differences this call addressed.
    expect(seen.differences?.some((d) => d.startsWith('instance class'))).toBe(true);
    expect(first.addressed?.some((d) => d.startsWith('instance class'))).toBe(false);
    expect(first.addressed).toContain('backup retention 7 → 21 days');
    expect(emulator.callsOf('ModifyDBCluster').at(-1)?.params).toMatchObject({ BackupRetentionPeriod: '21', StorageType: 'aurora-iopt1' });
    emulator.settle();
    const before = emulator.callsOf('ModifyDBInstance').length;
    await b.update(ctx, await b.observe(ctx));
    expect(emulator.callsOf('ModifyDBInstance').slice(before).map((c) => c.params)).toEqual([
      expect.objectContaining({ DBInstanceIdentifier: 'default-resized-primary', DBInstanceClass: 'db.r6g.large', ApplyImmediately: 'true' }),
    ]);
    emulator.settle();
    expect(await b.observe(ctx)).toMatchObject({ upToDate: true });
  });

  it('resets the master password on the cluster', async () => {
    emulator.setDelays({ password: 3_600_000 });
    const b = backend();
    let ctx = await createReady(b, 'rotated');
    const first = await b.setAdminPassword(ctx, 'rotatedPassword321', undefined);
    expect(first.applied).toBe(false);
    expect(emulator.callsOf('ModifyDBCluster').at(-1)?.params).toMatchObject({ DBClusterIdentifier: 'default-rotated', MasterUserPassword: 'rotatedPassword321' });
    ctx = nextContext(b, ctx, { state: first.state });
    expect((await b.setAdminPassword(ctx, 'rotatedPassword321', undefined)).applied).toBe(false);
    emulator.settle();
    const done = await b.setAdminPassword(ctx, 'rotatedPassword321', undefined);
    expect(done.applied).toBe(true);
    expect(emulator.masterPassword('default-rotated')).toBe('rotatedPassword321');
    expect(emulator.callsOf('ModifyDBCluster').filter((c) => c.params.MasterUserPassword)).toHaveLength(1);
  });

  it('recreates a missing writer without touching the cluster', async () => {
    const b = backend();
    const ctx = await createReady(b, 'orphan', spec());
    await b.delete(ctx); // starts deleting the writer only
    emulator.settle();
    expect(emulator.cluster('default-orphan')).toBeDefined();
    expect(await b.observe(ctx)).toMatchObject({ exists: false });
    await b.create(ctx);
    expect(emulator.instance('default-orphan-primary')).toBeDefined();
  });

  it('deletes the writer, then the cluster with a final snapshot, until both are gone', async () => {
    emulator.setDelays({ delete: 3_600_000 });
    const b = backend({}, { now: () => new Date('2026-01-02T03:04:05Z') });
    let ctx = await createReady(b, 'sunset');
    const first = await b.delete(ctx);
    expect(first).toMatchObject({ gone: false });
    expect(emulator.callsOf('DeleteDBInstance').at(-1)?.params).toMatchObject({ DBInstanceIdentifier: 'default-sunset-primary' });
    expect(emulator.callsOf('DeleteDBCluster').filter((c) => c.params.DBClusterIdentifier === 'default-sunset')).toHaveLength(0);
    ctx = nextContext(b, ctx, { state: first.state });
    const waiting = await b.delete(ctx);
    expect(waiting).toMatchObject({ gone: false });
    expect(emulator.callsOf('DeleteDBCluster').filter((c) => c.params.DBClusterIdentifier === 'default-sunset')).toHaveLength(0);
    emulator.settle();
    ctx = nextContext(b, ctx, { state: waiting.state });
    const clusterDelete = await b.delete(ctx);
    expect(clusterDelete).toMatchObject({ gone: false });
    expect(emulator.callsOf('DeleteDBCluster').at(-1)?.params).toMatchObject({
      DBClusterIdentifier: 'default-sunset',
      FinalDBSnapshotIdentifier: 'default-sunset-final-20260102030405',
      SkipFinalSnapshot: 'false',
    });
    emulator.settle();
    expect(await b.delete(nextContext(b, ctx, { state: clusterDelete.state }))).toMatchObject({ gone: true });
    expect(emulator.clusterSnapshots.has('default-sunset-final-20260102030405')).toBe(true);
  });

  it('deletes without a final snapshot when the config says so', async () => {
    const b = backend({ final_snapshot: false });
    const ctx = await createReady(b, 'ephemeral');
    await b.delete(ctx);
    emulator.settle();
    await b.delete(ctx);
    expect(emulator.callsOf('DeleteDBCluster').at(-1)?.params).toMatchObject({ DBClusterIdentifier: 'default-ephemeral', SkipFinalSnapshot: 'true' });
    emulator.settle();
    expect(await b.delete(ctx)).toMatchObject({ gone: true });
  });

  it('blocks on deletion protection before deleting the writer', async () => {
    const b = backend({ deletion_protection: true });
    const ctx = await createReady(b, 'guarded');
    const result = await b.delete(ctx);
    expect(result).toMatchObject({ gone: false, blocked: true });
    expect(result.message).toContain('deletion protection');
    expect(emulator.instance('default-guarded-primary')).toBeDefined();
    expect(emulator.callsOf('DeleteDBInstance').filter((c) => c.params.DBInstanceIdentifier === 'default-guarded-primary')).toHaveLength(0);
  });

  it('refuses a serverless class without a capacity range in validate', () => {
    const b = backend({ classes: { broken: { instance_type: 'db.serverless' } }, default_class: 'broken' });
    const result = b.validate(spec(), { namespace: 'default', name: 'x' });
    expect(result.ok).toBe(false);
  });
});
