import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { PermanentError, TemporaryError } from '../../src/backends/errors.js';
import { AwsRdsBackend } from '../../src/backends/aws-rds/index.js';
import type { ServerContext } from '../../src/backends/types.js';
import type { ServerSpec } from '../../src/api/types.js';
import { startRdsEmulator } from '../support/rds-emulator/index.js';
import type { RdsEmulator } from '../support/rds-emulator/index.js';
import { backendOptions, createReady as createReadyIn, nextContext, serverContext, spec } from '../support/rds-emulator/fixtures.js';

const SECTION = {
  vpc_security_group_ids: ['sg-app'],
  subnet_group: 'db-subnets',
  availability_zone: 'eu-central-1a',
  tags: { team: '{namespace}', cr: '{name}' },
  classes: {
    small: { instance_type: 'db.m5.large', storage_type: 'gp3' },
    large: { instance_type: 'db.m5.xlarge', storage_type: 'gp3' },
    fast: { instance_type: 'db.m5.large', storage_type: 'io1', iops: 3000 },
  },
  default_class: 'small',
  apply_changes: 'immediately',
};

let emulator: RdsEmulator;
const backends: AwsRdsBackend[] = [];

function backend(section: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): AwsRdsBackend {
  const b = new AwsRdsBackend({ ...backendOptions(emulator, { ...SECTION, ...section }), ...extra });
  backends.push(b);
  return b;
}

const createReady = (b: AwsRdsBackend, name: string, s?: ServerSpec): Promise<ServerContext> => createReadyIn(emulator, b, name, s);

/** One reconcile as the handler does it: observe, update when due; answers the call count of Modify. */
async function reconcileUpdate(b: AwsRdsBackend, ctx: ServerContext) {
  const seen = await b.observe(ctx);
  const result = seen.upToDate ? undefined : await b.update(ctx, seen);
  return { seen, result };
}

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

describe('awsrds create and observe', () => {
  it('creates an encrypted instance from the spec and reports it busy until RDS says available', async () => {
    emulator.setDelays({ create: 3_600_000 });
    const b = backend();
    let ctx = serverContext(b, 'orders', spec({ version: 16, size: { storageGB: 30, storageAutoGrow: true }, backup: { retentionDays: 14 }, maintenance: { window: { weekday: 'Wed', starttime: '03:00' } } }));
    const absent = await b.observe(ctx);
    expect(absent).toMatchObject({ exists: false, ready: false });

    const created = await b.create(ctx);
    expect(created.retryAfterSeconds).toBe(15);
    const call = emulator.callsOf('CreateDBInstance')[0]?.params;
    expect(call).toMatchObject({
      DBInstanceIdentifier: 'default-orders',
      Engine: 'postgres',
      EngineVersion: '16.8',
      DBInstanceClass: 'db.m5.large',
      AllocatedStorage: '30',
      MaxAllocatedStorage: '60',
      StorageType: 'gp3',
      StorageEncrypted: 'true',
      MasterUsername: 'postgres',
      MasterUserPassword: 'initialPassword123',
      BackupRetentionPeriod: '14',
      PreferredMaintenanceWindow: 'wed:03:00-wed:03:30',
      PreferredBackupWindow: '02:00-02:30',
      MultiAZ: 'false',
      AvailabilityZone: 'eu-central-1a',
      DBSubnetGroupName: 'db-subnets',
      'VpcSecurityGroupIds.VpcSecurityGroupId.1': 'sg-app',
      AutoMinorVersionUpgrade: 'true',
      DeletionProtection: 'false',
    });
    const tags = emulator.instance('default-orders')?.tags;
    expect(tags).toMatchObject({ team: 'default', cr: 'orders', 'hybridcloud.maibornwolff.de/server': 'default/orders' });

    ctx = nextContext(b, ctx, { state: created.state });
    const first = await b.observe(ctx);
    expect(first).toMatchObject({ exists: true, ready: false, busy: true, retryAfterSeconds: 30 });
    ctx = nextContext(b, ctx, { state: first.state });
    const second = await b.observe(ctx);
    expect(second.retryAfterSeconds).toBe(60);
    ctx = nextContext(b, ctx, { state: second.state });

    emulator.settle();
    const ready = await b.observe(ctx);
    expect(ready).toMatchObject({ exists: true, ready: true, upToDate: true, busy: false, retryAfterSeconds: undefined });
    expect(ready.state).toEqual({ identifier: 'default-orders' });
    expect(ready.endpoint).toMatchObject({ host: 'default-orders.c0ffee123456.eu-central-1.rds.amazonaws.com', port: 5432, sslmode: 'verify-full' });
    expect(ready.endpoint?.caCert).toContain('BEGIN CERTIFICATE');
    const conn = b.adminConnection(ctx, ready.endpoint!);
    expect(conn).toMatchObject({ user: 'postgres', password: 'initialPassword123', database: 'postgres', sslmode: 'verify-full' });
    expect(() => new X509Certificate(conn.caCert!)).not.toThrow();
  });

  it('treats an instance that already exists as created (idempotent create)', async () => {
    const b = backend();
    const ctx = serverContext(b, 'twice', spec());
    await b.create(ctx);
    const again = await b.create(ctx);
    expect(again.message).toContain('already exists');
    expect(emulator.callsOf('CreateDBInstance').filter((c) => c.params.DBInstanceIdentifier === 'default-twice')).toHaveLength(2);
  });

  it('resolves latest to the newest major of the table and creates RDS\'s default minor of it', async () => {
    const b = backend();
    const ctx = serverContext(b, 'newest', spec({ version: 'latest' }));
    expect(ctx.resolved.version).toBe('17');
    await b.create(ctx);
    expect(emulator.instance('default-newest')?.engineVersion).toBe('17.4');
  });

  it('refuses a major RDS does not offer although the config lists it', async () => {
    const b = backend({ engine_versions: ['16', '17', '18'] });
    const ctx = serverContext(b, 'future', spec({ version: 18 }));
    await expect(b.create(ctx)).rejects.toBeInstanceOf(PermanentError);
    expect(emulator.instance('default-future')).toBeUndefined();
  });

  it('authenticates through the default credential chain (environment keys)', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMENVIRONMENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    try {
      const b = backend({}, { clientConfig: { maxAttempts: 1 } });
      await b.observe(serverContext(b, 'envkeys', spec()));
      expect(emulator.calls[emulator.calls.length - 1]?.accessKeyId).toBe('AKIDFROMENVIRONMENT');
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});

describe('awsrds modify', () => {
  it('sends no Modify when nothing changed', async () => {
    const b = backend();
    const ctx = await createReady(b, 'steady', spec({ maintenance: { window: { weekday: 'Sun', starttime: '23:45' } } }));
    const before = emulator.callsOf('ModifyDBInstance').length;
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ upToDate: true, busy: false, retryAfterSeconds: undefined, differences: [] });
    await b.update(ctx, seen);
    expect(emulator.callsOf('ModifyDBInstance')).toHaveLength(before);
    expect(emulator.instance('default-steady')?.maintenanceWindow).toBe('sun:23:45-mon:00:15');
  });

  // `instant`: RDS applies the setting without a modifying phase.
  const cases: { field: string; change: (s: ServerSpec) => ServerSpec; section?: Record<string, unknown>; expect: Record<string, string>; instant?: boolean }[] = [
    { field: 'instance class', change: (s) => ({ ...s, size: { ...s.size, class: 'large' } }), expect: { DBInstanceClass: 'db.m5.xlarge' } },
    { field: 'storage size', change: (s) => ({ ...s, size: { ...s.size, storageGB: 50 } }), expect: { AllocatedStorage: '50' } },
    { field: 'storage type and IOPS', change: (s) => ({ ...s, size: { ...s.size, class: 'fast', storageGB: 100 } }), expect: { StorageType: 'io1', Iops: '3000', AllocatedStorage: '100' } },
    { field: 'storage autoscaling on', change: (s) => ({ ...s, size: { ...s.size, storageAutoGrow: true } }), expect: { MaxAllocatedStorage: '40' } },
    { field: 'backup retention', change: (s) => ({ ...s, backup: { retentionDays: 30 } }), expect: { BackupRetentionPeriod: '30' } },
    { field: 'Multi-AZ', change: (s) => ({ ...s, highavailability: { enabled: true } }), expect: { MultiAZ: 'true' } },
    {
      field: 'maintenance window',
      change: (s) => ({ ...s, maintenance: { window: { weekday: 'Mon', starttime: '00:15' } } }),
      expect: { PreferredMaintenanceWindow: 'mon:00:15-mon:00:45', PreferredBackupWindow: '23:15-23:45' },
      instant: true,
    },
    { field: 'major version upgrade', change: (s) => ({ ...s, version: 17 }), expect: { EngineVersion: '17.4', AllowMajorVersionUpgrade: 'true' } },
    { field: 'deletion protection', change: (s) => s, section: { deletion_protection: true }, expect: { DeletionProtection: 'true' }, instant: true },
    { field: 'public access', change: (s) => s, section: { network: { public_access: true } }, expect: { PubliclyAccessible: 'true' } },
    { field: 'security groups', change: (s) => s, section: { vpc_security_group_ids: ['sg-app', 'sg-monitoring'] }, expect: { 'VpcSecurityGroupIds.VpcSecurityGroupId.2': 'sg-monitoring' } },
  ];

  it.each(cases)('applies a changed $field with one Modify and is up to date afterwards', async (c) => {
    const name = `mod-${cases.indexOf(c)}`;
    const initial = spec({ version: 16 });
    const ctx0 = await createReady(backend(), name, initial);
    const b = backend(c.section ?? {});
    const ctx = nextContext(b, ctx0, { spec: c.change(initial) });
    const before = emulator.callsOf('ModifyDBInstance').length;
    emulator.setDelays({ modify: 3_600_000 });

    const { seen, result } = await reconcileUpdate(b, ctx);
    expect(seen.upToDate).toBe(false);
    expect(seen.differences?.length).toBeGreaterThan(0);
    expect(result?.retryAfterSeconds).toBeGreaterThan(0);
    // It says what it sent: the handler counts update attempts per difference from it.
    expect(result?.addressed).toEqual(seen.differences);
    const modifies = emulator.callsOf('ModifyDBInstance').slice(before);
    expect(modifies).toHaveLength(1);
    expect(modifies[0]?.params).toMatchObject({ DBInstanceIdentifier: `default-${name}`, ApplyImmediately: 'true', ...c.expect });

    // While RDS works on it, the pending value counts as applied: no second Modify.
    const during = await reconcileUpdate(b, nextContext(b, ctx, { state: result?.state }));
    expect(during.seen.busy).toBe(!c.instant);
    expect(during.seen.upToDate).toBe(true);
    emulator.settle();
    const after = await b.observe(ctx);
    expect(after).toMatchObject({ upToDate: true, busy: false });
    expect(emulator.callsOf('ModifyDBInstance').slice(before)).toHaveLength(1);
  });

  it('turns storage autoscaling off with a ceiling equal to the allocated storage', async () => {
    const b = backend();
    const ctx = await createReady(b, 'autogrow-off', spec({ size: { storageGB: 20, storageAutoGrow: true } }));
    expect(emulator.instance('default-autogrow-off')?.maxAllocatedStorage).toBe(40);
    const off = nextContext(b, ctx, { spec: spec({ size: { storageGB: 20 } }) });
    const { result } = await reconcileUpdate(b, off);
    expect(result).toBeDefined();
    expect(emulator.callsOf('ModifyDBInstance').at(-1)?.params).toMatchObject({ MaxAllocatedStorage: '20' });
    emulator.settle();
    expect(emulator.instance('default-autogrow-off')?.maxAllocatedStorage).toBeUndefined();
    expect((await b.observe(off)).upToDate).toBe(true);
  });

  it('adds missing tags with AddTagsToResource instead of a Modify', async () => {
    const ctx0 = await createReady(backend(), 'retag');
    const b = backend({ tags: { team: '{namespace}', cr: '{name}', costcenter: 'cc-42' } });
    const before = emulator.callsOf('ModifyDBInstance').length;
    const { seen } = await reconcileUpdate(b, ctx0);
    expect(seen.differences).toEqual(['tags costcenter=unset → cc-42']);
    expect(emulator.callsOf('AddTagsToResource').at(-1)?.params).toMatchObject({ 'Tags.Tag.1.Key': 'costcenter', 'Tags.Tag.1.Value': 'cc-42' });
    expect(emulator.callsOf('ModifyDBInstance')).toHaveLength(before);
    expect((await b.observe(ctx0)).upToDate).toBe(true);
  });

  it('never downgrades: an older major in the spec is a warning, not a Modify', async () => {
    const b = backend();
    const ctx = await createReady(b, 'nodowngrade', spec({ version: 17 }));
    const seen = await b.observe(nextContext(b, ctx, { spec: spec({ version: 16 }) }));
    expect(seen.upToDate).toBe(true);
    expect(seen.warning).toContain('cannot downgrade');
  });

  it('keeps a latest server on its major when the version table grows', async () => {
    const ctx0 = await createReady(backend({ engine_versions: ['15', '16'] }), 'pinned', spec({ version: 'latest' }));
    expect(emulator.instance('default-pinned')?.engineVersion).toBe('16.8');
    const b = backend({ engine_versions: ['15', '16', '17'] });
    const seen = await b.observe(nextContext(b, ctx0, {}));
    expect(seen.upToDate).toBe(true);
  });

  it('defers disruptive changes to the maintenance window under the maintenance_window policy', async () => {
    const b = backend({ apply_changes: 'maintenance_window' });
    const ctx0 = await createReady(b, 'deferred');
    const ctx = nextContext(b, ctx0, { spec: spec({ size: { storageGB: 20, class: 'large' } }) });
    const first = await reconcileUpdate(b, ctx);
    expect(emulator.callsOf('ModifyDBInstance').at(-1)?.params).toMatchObject({ DBInstanceClass: 'db.m5.xlarge', ApplyImmediately: 'false' });
    expect(first.result).toBeDefined();
    const before = emulator.callsOf('ModifyDBInstance').length;
    const waiting = await reconcileUpdate(b, ctx);
    expect(waiting.seen).toMatchObject({ upToDate: true, busy: false });
    expect(waiting.seen.warning).toContain('waiting for the maintenance window');
    expect(emulator.callsOf('ModifyDBInstance')).toHaveLength(before);
    emulator.runMaintenance('default-deferred');
    emulator.settle();
    expect(emulator.instance('default-deferred')?.instanceClass).toBe('db.m5.xlarge');
  });

  it('under the safe policy applies storage now and the class change in the window, without flushing it early', async () => {
    const b = backend({ apply_changes: 'safe' });
    const ctx0 = await createReady(b, 'safe');
    const ctx = nextContext(b, ctx0, { spec: spec({ size: { storageGB: 40, class: 'large' } }) });
    await reconcileUpdate(b, ctx);
    expect(emulator.callsOf('ModifyDBInstance').at(-1)?.params).toMatchObject({ AllocatedStorage: '40', ApplyImmediately: 'true' });
    expect(emulator.callsOf('ModifyDBInstance').at(-1)?.params.DBInstanceClass).toBeUndefined();
    emulator.settle();
    await reconcileUpdate(b, ctx);
    expect(emulator.callsOf('ModifyDBInstance').at(-1)?.params).toMatchObject({ DBInstanceClass: 'db.m5.xlarge', ApplyImmediately: 'false' });
    // A later storage increase must not apply the waiting class change immediately.
    await reconcileUpdate(b, nextContext(b, ctx, { spec: spec({ size: { storageGB: 60, class: 'large' } }) }));
    expect(emulator.callsOf('ModifyDBInstance').at(-1)?.params).toMatchObject({ AllocatedStorage: '60', ApplyImmediately: 'false' });
    expect(emulator.instance('default-safe')?.instanceClass).toBe('db.m5.large');
  });

  it('stays ready and modifiable during the daily backup, and waits while RDS needs a human', async () => {
    const b = backend();
    const ctx0 = await createReady(b, 'backedup');
    emulator.hold('default-backedup', 'backing-up');
    const ctx = nextContext(b, ctx0, { spec: spec({ size: { storageGB: 30 } }) });
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ ready: true, busy: false, upToDate: false });
    await b.update(ctx, seen);
    expect(emulator.callsOf('ModifyDBInstance').at(-1)?.params).toMatchObject({ DBInstanceIdentifier: 'default-backedup', AllocatedStorage: '30' });
    emulator.settle();
    emulator.hold('default-backedup', 'storage-full');
    const full = await b.observe(ctx);
    expect(full).toMatchObject({ ready: false, busy: true, retryAfterSeconds: 120 });
    expect(full.message).toContain('needs attention in AWS');
    emulator.settle();
  });

  it('turns an invalid request into a permanent error', async () => {
    const b = backend();
    const ctx0 = await createReady(b, 'refused');
    emulator.inject({ action: 'ModifyDBInstance', code: 'InvalidParameterCombination', message: 'gp3 IOPS need 400 GB' });
    const ctx = nextContext(b, ctx0, { spec: spec({ size: { storageGB: 20, class: 'large' } }) });
    await expect(b.update(ctx, await b.observe(ctx))).rejects.toBeInstanceOf(PermanentError);
  });
});

describe('awsrds admin password', () => {
  it('changes the master password once and reports it applied only after RDS finished', async () => {
    emulator.setDelays({ password: 3_600_000 });
    const b = backend();
    let ctx = await createReady(b, 'secret');
    const before = emulator.callsOf('ModifyDBInstance').length;
    const first = await b.setAdminPassword(ctx, 'brandNewPassword456', undefined);
    expect(first.applied).toBe(false);
    expect(emulator.callsOf('ModifyDBInstance').slice(before).map((c) => c.params)).toEqual([
      expect.objectContaining({ DBInstanceIdentifier: 'default-secret', MasterUserPassword: 'brandNewPassword456', ApplyImmediately: 'false' }),
    ]);
    expect(JSON.stringify(first.state)).not.toContain('brandNewPassword456');
    ctx = nextContext(b, ctx, { state: first.state });
    const observed = await b.observe(ctx);
    expect(observed.busy).toBe(true);

    const again = await b.setAdminPassword(ctx, 'brandNewPassword456', undefined);
    expect(again.applied).toBe(false);
    expect(emulator.callsOf('ModifyDBInstance').slice(before)).toHaveLength(1);
    expect(emulator.masterPassword('default-secret')).toBe('initialPassword123');

    emulator.settle();
    ctx = nextContext(b, ctx, { state: again.state });
    const done = await b.setAdminPassword(ctx, 'brandNewPassword456', undefined);
    expect(done.applied).toBe(true);
    expect(done.state).not.toHaveProperty('passwordRequest');
    expect(emulator.masterPassword('default-secret')).toBe('brandNewPassword456');
    expect(emulator.callsOf('ModifyDBInstance').slice(before)).toHaveLength(1);
  });

  it('waits instead of failing while the instance is still being created', async () => {
    emulator.setDelays({ create: 3_600_000 });
    const b = backend();
    const ctx = serverContext(b, 'young', spec());
    await b.create(ctx);
    const result = await b.setAdminPassword(ctx, 'anotherPassword789', undefined);
    expect(result).toMatchObject({ applied: false });
    expect(emulator.callsOf('ModifyDBInstance').filter((c) => c.params.DBInstanceIdentifier === 'default-young')).toHaveLength(0);
  });
});

describe('awsrds delete', () => {
  it('takes a final snapshot by default and observes the deletion until the instance is gone', async () => {
    emulator.setDelays({ delete: 3_600_000 });
    const b = backend({}, { now: () => new Date('2026-11-05T14:03:09Z') });
    let ctx = await createReady(b, 'retired');
    const first = await b.delete(ctx);
    expect(first).toMatchObject({ gone: false });
    expect(emulator.callsOf('DeleteDBInstance').at(-1)?.params).toMatchObject({
      DBInstanceIdentifier: 'default-retired',
      FinalDBSnapshotIdentifier: 'default-retired-final-20261105140309',
      SkipFinalSnapshot: 'false',
    });
    ctx = nextContext(b, ctx, { state: first.state });
    const second = await b.delete(ctx);
    expect(second).toMatchObject({ gone: false });
    expect(second.retryAfterSeconds).toBeGreaterThan(first.retryAfterSeconds ?? 0);
    expect(emulator.callsOf('DeleteDBInstance').filter((c) => c.params.DBInstanceIdentifier === 'default-retired')).toHaveLength(1);
    emulator.settle();
    const gone = await b.delete(nextContext(b, ctx, { state: second.state }));
    expect(gone).toMatchObject({ gone: true });
    expect(emulator.snapshots.has('default-retired-final-20261105140309')).toBe(true);
    expect(await b.observe(ctx)).toMatchObject({ exists: false });
  });

  it('deletes by the identifier pinned at creation: a changed name_pattern or a removed class does not matter', async () => {
    const ctx = await createReady(backend({ final_snapshot: false }), 'pinned');
    expect(ctx.state).toEqual({ identifier: 'default-pinned' });
    const later = backend({ final_snapshot: false, name_pattern: 'db-{name}', classes: { other: { instance_type: 'db.m5.large' } }, default_class: 'other' });
    expect(await later.observe(ctx)).toMatchObject({ exists: true });
    let result = await later.delete(ctx);
    expect(emulator.callsOf('DeleteDBInstance').at(-1)?.params).toMatchObject({ DBInstanceIdentifier: 'default-pinned', SkipFinalSnapshot: 'true' });
    emulator.settle();
    result = await later.delete({ ...ctx, state: result.state ?? ctx.state });
    expect(result).toMatchObject({ gone: true });
    expect(emulator.instance('default-pinned')).toBeUndefined();
  });

  it('skips the final snapshot when the config says so', async () => {
    const b = backend({ final_snapshot: false });
    const ctx = await createReady(b, 'scratch');
    await b.delete(ctx);
    expect(emulator.callsOf('DeleteDBInstance').at(-1)?.params).toMatchObject({ DBInstanceIdentifier: 'default-scratch', SkipFinalSnapshot: 'true' });
    expect(emulator.callsOf('DeleteDBInstance').at(-1)?.params.FinalDBSnapshotIdentifier).toBeUndefined();
    emulator.settle();
    expect(await b.delete(ctx)).toMatchObject({ gone: true });
  });

  it('reports deletion protection as blocked instead of retrying the delete', async () => {
    const b = backend({ deletion_protection: true });
    const ctx = await createReady(b, 'protected');
    const before = emulator.callsOf('DeleteDBInstance').length;
    const result = await b.delete(ctx);
    expect(result).toMatchObject({ gone: false, blocked: true });
    expect(result.message).toContain('deletion protection');
    expect(emulator.callsOf('DeleteDBInstance')).toHaveLength(before);
    expect(emulator.instance('default-protected')).toBeDefined();
  });

  it('waits while RDS refuses the delete because of the instance state', async () => {
    const b = backend();
    const ctx = await createReady(b, 'stateful');
    emulator.inject({ action: 'DeleteDBInstance', code: 'InvalidDBInstanceState', message: 'Instance is backing-up' });
    const result = await b.delete(ctx);
    expect(result).toMatchObject({ gone: false });
    expect(result.retryAfterSeconds).toBeGreaterThan(0);
    expect(emulator.instance('default-stateful')).toBeDefined();
  });
});

describe('awsrds throttling', () => {
  it('turns throttling into a temporary error with a wait', async () => {
    const b = backend();
    const ctx = serverContext(b, 'throttled', spec());
    emulator.inject({ action: 'DescribeDBInstances', code: 'Throttling', message: 'Rate exceeded' });
    const error = await b.observe(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TemporaryError);
    expect((error as TemporaryError).retryAfterSeconds).toBeGreaterThanOrEqual(15);
    expect((error as TemporaryError).retryAfterSeconds).toBeLessThanOrEqual(25);
  });

  it('lets the SDK retry a single throttled call', async () => {
    const b = backend({}, { clientConfig: { credentials: { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'x' }, maxAttempts: 2 } });
    const ctx = serverContext(b, 'retried', spec());
    emulator.inject({ action: 'DescribeDBInstances', code: 'Throttling', message: 'Rate exceeded' });
    const before = emulator.callsOf('DescribeDBInstances').length;
    await expect(b.observe(ctx)).resolves.toMatchObject({ exists: false });
    expect(emulator.callsOf('DescribeDBInstances').length - before).toBe(2);
  });
});
