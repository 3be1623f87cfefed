/**
 * S3 backups (ADR 0023), the operator image's part run for real: the backup script dumps a real
 * test PostgreSQL into a directory (as the CronJob's init container does), `node dist/src/main.js
 * backup-s3 upload` stores it in a local S3-compatible service and applies retention there, and
 * `backup-s3 download` plus the restore script bring the rows back in a second real PostgreSQL.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupScript, parseBackupReport, restoreScript } from '../../src/backends/common/backup-script.js';
import { bucketClient, type BucketSettings } from '../../src/backup-s3/client.js';
import { uploadBackup } from '../../src/backup-s3/upload.js';
import { S3Emulator } from '../support/s3-emulator/index.js';
import { makeTestCa } from '../support/test-ca.js';
import { findPostgresBinDir, startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { superuserQueryOn } from '../support/superuser-query.js';

const run = promisify(execFile);
const KEYS = { AWS_ACCESS_KEY_ID: 'team-shop', AWS_SECRET_ACCESS_KEY: 'team-shop-secret' };
const PREFIX = 'shop/orders-db/';

const query = superuserQueryOn;

describe('backup-s3 upload and download against an S3-compatible service and real PostgreSQL', () => {
  let source: TestPostgres;
  let target: TestPostgres;
  let s3: S3Emulator;
  let dir: string;
  let first: string;

  const s3Env = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? '',
    S3_BUCKET: 'backups',
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: 'eu-central-1',
    S3_PREFIX: PREFIX,
    S3_FORCE_PATH_STYLE: 'true',
    ...KEYS,
    ...extra,
  });
  /** The uploader or downloader container: the built operator, as the image runs it. */
  const backupS3 = (action: string, env: Record<string, string>) =>
    run(process.execPath, ['dist/src/main.js', 'backup-s3', action], { env: s3Env(env) }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  /** The PostgreSQL container: the backup or restore script with the client tools. */
  const sh = (script: string, server: TestPostgres, env: Record<string, string>) =>
    run('sh', ['-c', script], { env: { PATH: `${findPostgresBinDir()}:${process.env.PATH ?? ''}`, PGHOST: server.host, PGPORT: String(server.port), PGUSER: 'postgres', PGPASSWORD: server.password, ...env } });
  const settings = (): BucketSettings => ({ bucket: 'backups', endpoint: s3.endpoint, region: 'eu-central-1', prefix: PREFIX, forcePathStyle: true });

  beforeAll(async () => {
    [source, target] = await Promise.all([startPostgres(), startPostgres()]);
    s3 = await S3Emulator.start({ buckets: ['backups'], accessKeys: { [KEYS.AWS_ACCESS_KEY_ID]: KEYS.AWS_SECRET_ACCESS_KEY }, maxKeys: 3 });
    dir = mkdtempSync(join(tmpdir(), 'hcpo-s3-'));
    await query(source, "CREATE ROLE shop LOGIN PASSWORD 'shop-secret'");
    await query(source, 'CREATE DATABASE orders OWNER shop');
    await query(source, "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'apple'), (2, 'pear'); ALTER TABLE items OWNER TO shop", 'orders');
  });

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop(), s3?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('uploads the dump the backup script made, manifest last, and reports it as the volume-claim backup does', async () => {
    const staged = join(dir, 'staged-1');
    mkdirSync(staged);
    await sh(backupScript(7), source, { BACKUP_DIR: staged, TERMINATION_LOG: join(dir, 'dump-log') });
    const log = join(dir, 'termination-log');
    const out = await backupS3('upload', { BACKUP_DIR: staged, RETENTION_DAYS: '7', TERMINATION_LOG: log });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const report = parseBackupReport(readFileSync(log, 'utf8'));
    expect(report).toBeDefined();
    first = report!.backup;
    const files = readdirSync(join(staged, first)).sort();
    expect(s3.keys('backups')).toEqual([...files, 'backup.json'].map((f) => `${PREFIX}${first}/${f}`).sort());
    expect(report!.backups).toEqual([first]);
    const manifest = JSON.parse(s3.buckets.get('backups')!.get(`${PREFIX}${first}/backup.json`)!.body.toString('utf8'));
    expect(report!.sizeBytes).toBe(manifest.sizeBytes);
    expect(report!.sizeBytes).toBeGreaterThan(0);
    // The manifest is written after every file.
    const puts = s3.requests.filter((r) => r.startsWith('PUT '));
    expect(puts.at(-1)).toMatch(new RegExp(`^PUT /backups/${PREFIX}${first}/backup\\.json(\\?|$)`));
  });

  it('deletes backups older than the retention and incomplete ones, never the newest nor what is not a backup (listing page by page)', async () => {
    const bucket = s3.buckets.get('backups')!;
    const put = (key: string) => bucket.set(key, { body: Buffer.from('x'), etag: '"x"', lastModified: new Date() });
    for (const old of ['20200101T020000Z', '20200102T020000Z']) for (const f of ['globals.sql', '16384.dump', 'backup.json']) put(`${PREFIX}${old}/${f}`);
    put(`${PREFIX}20261205T010000Z/globals.sql`); // incomplete, days old: an upload that died
    put(`${PREFIX}20261208T230000Z/globals.sql`); // incomplete, an hour old: another run may still be uploading it
    put(`${PREFIX}notes.txt`); // not a backup: not ours to delete
    put('shop/other-db/20200101T020000Z/backup.json'); // another server's
    const staged = join(dir, 'staged-2');
    mkdirSync(join(staged, '20261206T020000Z'), { recursive: true });
    writeFileSync(join(staged, '20261206T020000Z', 'globals.sql'), '-- globals\n');
    // "Now" three days on: the first backup (made today) is within the 7 days, the 2020 ones are not.
    const report = await uploadBackup(bucketClient(settings(), { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY }), settings(), { dir: staged, retentionDays: 7, now: new Date('2026-12-09T00:00:00Z') });
    expect(report.backup).toBe('20261206T020000Z');
    const left = s3.keys('backups');
    expect(left.filter((k) => k.includes('2020010') && k.startsWith(PREFIX))).toEqual([]);
    expect(left).not.toContain(`${PREFIX}20261205T010000Z/globals.sql`);
    expect(left).toContain(`${PREFIX}20261208T230000Z/globals.sql`);
    expect(report.backups).not.toContain('20261208T230000Z');
    expect(left).toContain(`${PREFIX}notes.txt`);
    expect(left).toContain('shop/other-db/20200101T020000Z/backup.json');
    expect(left).toContain(`${PREFIX}20261206T020000Z/backup.json`);
    expect(report.backups).toContain('20261206T020000Z');
    expect(report.backups).toContain(first);
    // The emulator pages by three: retention saw every key.
    expect(s3.requests.some((r) => r.includes('continuation-token='))).toBe(true);
  });

  it('keeps the newest backup even when it is older than the retention (backups that stopped for a while)', async () => {
    const staged = join(dir, 'staged-3');
    mkdirSync(join(staged, '20250101T020000Z'), { recursive: true });
    writeFileSync(join(staged, '20250101T020000Z', 'globals.sql'), '-- globals\n');
    const stale = { ...settings(), prefix: 'shop/stale-db/' };
    s3.buckets.get('backups')!.set('shop/stale-db/20241231T020000Z/backup.json', { body: Buffer.from('{}'), etag: '"z"', lastModified: new Date() });
    const report = await uploadBackup(bucketClient(stale, { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY }), stale, { dir: staged, retentionDays: 1, now: new Date('2027-06-01T00:00:00Z') });
    expect(report.backups).toEqual(['20250101T020000Z']);
    expect(s3.keys('backups', 'shop/stale-db/').filter((k) => k.endsWith('backup.json'))).toEqual(['shop/stale-db/20250101T020000Z/backup.json']);
  });

  it('uploads a dump above 5 MiB in parts (multipart upload)', async () => {
    const staged = join(dir, 'staged-4');
    const name = '20261207T020000Z';
    mkdirSync(join(staged, name), { recursive: true });
    writeFileSync(join(staged, name, 'globals.sql'), '-- globals\n');
    const big = Buffer.alloc(11 * 1024 * 1024 + 123, 7);
    writeFileSync(join(staged, name, '16384.dump'), big);
    await uploadBackup(bucketClient(settings(), { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY }), settings(), { dir: staged, retentionDays: 35, now: new Date('2026-12-07T03:00:00Z') });
    expect(s3.requests.some((r) => r.startsWith(`POST /backups/${PREFIX}${name}/16384.dump?uploads`))).toBe(true);
    expect(s3.requests.filter((r) => r.startsWith(`PUT /backups/${PREFIX}${name}/16384.dump?`) && r.includes('partNumber=')).length).toBeGreaterThanOrEqual(2);
    expect(s3.buckets.get('backups')!.get(`${PREFIX}${name}/16384.dump`)!.body.equals(big)).toBe(true);
  });

  it('stopped midway (SIGTERM, as the kubelet stops a pod), aborts the multipart upload instead of leaving its parts in the bucket', async () => {
    const slow = await S3Emulator.start({ buckets: ['backups'], accessKeys: { [KEYS.AWS_ACCESS_KEY_ID]: KEYS.AWS_SECRET_ACCESS_KEY }, partDelayMs: 400 });
    try {
      const staged = join(dir, 'staged-stop');
      const name = '20261207T040000Z';
      mkdirSync(join(staged, name), { recursive: true });
      writeFileSync(join(staged, name, 'globals.sql'), '-- globals\n');
      writeFileSync(join(staged, name, '16384.dump'), Buffer.alloc(40 * 1024 * 1024, 3));
      const child = spawn(process.execPath, ['dist/src/main.js', 'backup-s3', 'upload'], { env: s3Env({ S3_ENDPOINT: slow.endpoint, BACKUP_DIR: staged, RETENTION_DAYS: '7', TERMINATION_LOG: join(dir, 'stop-log') }) });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 20_000;
      while (!slow.requests.some((r) => r.includes('partNumber=')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(slow.openUploads('backups')).toEqual([`${PREFIX}${name}/16384.dump`]);
      child.kill('SIGTERM');
      expect(await exited).toBe(1);
      expect(stderr).toMatch(/SIGTERM/);
      expect(slow.openUploads('backups')).toEqual([]);
      expect(slow.requests.some((r) => r.startsWith(`DELETE /backups/${PREFIX}${name}/16384.dump?uploadId=`))).toBe(true);
      expect(slow.keys('backups').filter((k) => k.endsWith('backup.json'))).toEqual([]);
    } finally {
      await slow.stop();
    }
  }, 30_000);

  it('gives up on an endpoint that accepts connections but never answers, instead of hanging the backup Job for good', async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const stalled = { ...settings(), endpoint };
      const client = bucketClient(stalled, { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY }, { connectMs: 1000, idleMs: 200 });
      const staged = join(dir, 'staged-silent');
      mkdirSync(join(staged, '20261207T050000Z'), { recursive: true });
      writeFileSync(join(staged, '20261207T050000Z', 'globals.sql'), '-- globals\n');
      const started = Date.now();
      await expect(uploadBackup(client, stalled, { dir: staged, retentionDays: 7 })).rejects.toThrow(/timed out/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);

  it('refuses wrong credentials with the service\'s error on one line, exit code 1', async () => {
    const staged = join(dir, 'staged-1');
    const out = await backupS3('upload', { BACKUP_DIR: staged, RETENTION_DAYS: '7', TERMINATION_LOG: join(dir, 'unused'), AWS_ACCESS_KEY_ID: 'someone-else' });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^backup-s3 upload: .*Access Key Id.*does not exist/);
  });

  it('refuses a wrong secret key (the service recomputes the signature), nothing stored', async () => {
    const staged = join(dir, 'staged-wrong-secret');
    mkdirSync(join(staged, '20261207T060000Z'), { recursive: true });
    writeFileSync(join(staged, '20261207T060000Z', 'globals.sql'), '-- globals\n');
    const before = s3.keys('backups');
    const out = await backupS3('upload', { BACKUP_DIR: staged, RETENTION_DAYS: '7', TERMINATION_LOG: join(dir, 'unused'), AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^backup-s3 upload: The request signature we calculated does not match/);
    expect(s3.keys('backups')).toEqual(before);
  });

  it('speaks TLS to an https endpoint and refuses a certificate it cannot verify', async () => {
    const ca = await makeTestCa(['IP:127.0.0.1']);
    const secure = await S3Emulator.start({ buckets: ['backups'], accessKeys: { [KEYS.AWS_ACCESS_KEY_ID]: KEYS.AWS_SECRET_ACCESS_KEY }, tls: ca.certs['IP:127.0.0.1']! });
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.caPem);
    try {
      expect(secure.endpoint).toMatch(/^https:/);
      const upload = (extra: Record<string, string>) => backupS3('upload', { S3_ENDPOINT: secure.endpoint, BACKUP_DIR: join(dir, 'staged-1'), RETENTION_DAYS: '7', TERMINATION_LOG: join(dir, 'tls-log'), ...extra });
      const refused = await upload({});
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/certificate/i);
      expect(secure.keys('backups')).toEqual([]);
      const trusted = await upload({ NODE_EXTRA_CA_CERTS: caFile });
      expect(trusted.stderr).toBe('');
      expect(secure.keys('backups').some((k) => k.endsWith('/backup.json'))).toBe(true);
    } finally {
      await secure.stop();
    }
  });

  it('downloads a backup and the restore script brings the rows back into a new server', async () => {
    const restoreDir = join(dir, 'restore');
    mkdirSync(restoreDir);
    await query(source, 'SELECT 1'); // the source is untouched by the restore
    const s3Settings = s3Env();
    const listed = s3.keys('backups', `${PREFIX}${first}/`);
    if (!listed.length) throw new Error(`backup ${first} was pruned: ${s3.keys('backups').join(', ')}`);
    const out = await backupS3('download', { ...s3Settings, BACKUP_DIR: restoreDir, BACKUP_NAME: first });
    expect(out.code).toBe(0);
    expect(readdirSync(join(restoreDir, first)).sort()).toEqual(listed.map((k) => k.slice(`${PREFIX}${first}/`.length)).filter((f) => f !== 'backup.json').sort());
    await sh(restoreScript(), target, { BACKUP_DIR: restoreDir, BACKUP_NAME: first, RESTORE_SOURCE: 'orders-db' });
    const rows = await query(target, 'SELECT id, name FROM items ORDER BY id', 'orders');
    expect(rows.rows).toEqual([{ id: 1, name: 'apple' }, { id: 2, name: 'pear' }]);
  });

  it('refuses to download an incomplete backup (no manifest)', async () => {
    s3.buckets.get('backups')!.set(`${PREFIX}20261208T020000Z/globals.sql`, { body: Buffer.from('--'), etag: '"y"', lastModified: new Date() });
    const out = await backupS3('download', { BACKUP_DIR: join(dir, 'restore'), BACKUP_NAME: '20261208T020000Z' });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/backup 20261208T020000Z is not complete in s3:\/\/backups\/shop\/orders-db\/ \(no backup.json\)/);
  });
});
