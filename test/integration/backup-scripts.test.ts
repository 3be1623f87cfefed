/**
 * The in-cluster backup and restore scripts (src/backends/common/backup-script.ts), run with the
 * real PostgreSQL client tools against real test servers, as the backup CronJob and the restore
 * Job run them in the server's image: a dump of every database, the report the operator reads,
 * retention pruning, a restore into a fresh server that brings the rows back, and its marker: a
 * restore run again never goes over the data (an interrupted one starts over).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupScript, parseBackupReport, restoreScript } from '../../src/backends/common/backup-script.js';
import { checkedAgainstMarker, readRestoreMarker } from '../../src/backends/common/restore-marker.js';
import { CLAIM_PREFIX } from '../../src/postgres/claims.js';
import { findPostgresBinDir, startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { superuserQueryOn } from '../support/superuser-query.js';

const run = promisify(execFile);

const query = superuserQueryOn;

describe('backup and restore scripts against real PostgreSQL servers', () => {
  let source: TestPostgres;
  let target: TestPostgres;
  let dir: string;

  /** Runs a script as the job's container would: sh -c, the PG* variables, the backup directory. */
  function sh(script: string, server: TestPostgres, env: Record<string, string> = {}) {
    return run('sh', ['-c', script], {
      env: {
        PATH: `${findPostgresBinDir()}:${process.env.PATH ?? ''}`,
        PGHOST: server.host,
        PGPORT: String(server.port),
        PGUSER: 'postgres',
        PGPASSWORD: server.password,
        BACKUP_DIR: join(dir, 'backups'),
        TERMINATION_LOG: join(dir, 'termination-log'),
        ...env,
      },
    });
  }

  beforeAll(async () => {
    [source, target] = await Promise.all([startPostgres(), startPostgres()]);
    dir = mkdtempSync(join(tmpdir(), 'hcpo-backup-'));
    mkdirSync(join(dir, 'backups'));
    await query(source, "CREATE ROLE shop LOGIN PASSWORD 'shop-secret'");
    await query(source, 'CREATE DATABASE "shop orders" OWNER shop');
    await query(source, `COMMENT ON DATABASE "shop orders" IS '${CLAIM_PREFIX}default/shop-orders'`);
    await query(source, 'CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, \'apple\'), (2, \'pear\'); ALTER TABLE items OWNER TO shop', 'shop orders');
    await query(source, 'CREATE DATABASE empty_one');
  });

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('dumps the globals and every database, and reports the backup in the termination message', async () => {
    const { stdout } = await sh(backupScript(7), source);
    const report = parseBackupReport(readFileSync(join(dir, 'termination-log'), 'utf8'));
    expect(report).toBeDefined();
    expect(stdout.trim()).toBe(readFileSync(join(dir, 'termination-log'), 'utf8').trim());
    const files = readdirSync(join(dir, 'backups', report!.backup)).sort();
    // One dump per database (named by oid: database names may hold any character), no `postgres`.
    expect(files.filter((f) => f.endsWith('.dump'))).toHaveLength(2);
    expect(files).toContain('globals.sql');
    const globals = readFileSync(join(dir, 'backups', report!.backup, 'globals.sql'), 'utf8');
    expect(globals).toContain('CREATE ROLE shop');
    // Passwords stay out of backups: the new server's operator sets its own.
    expect(globals).not.toMatch(/PASSWORD 'SCRAM/);
    expect(report!.sizeBytes).toBeGreaterThan(0);
    expect(report!.backups).toEqual([report!.backup]);
  });

  it('prunes backups older than the retention and left-over partial ones, never the newest', async () => {
    const backups = join(dir, 'backups');
    const aged = (name: string, days: number) => {
      mkdirSync(join(backups, name));
      writeFileSync(join(backups, name, 'globals.sql'), '');
      const t = Date.now() / 1000 - days * 86400;
      utimesSync(join(backups, name), t, t);
    };
    aged('20200101T020000Z', 10);
    aged('20200105T020000Z', 6);
    aged('.partial-20200106T020000Z', 5);
    // A second run in the same second would reuse the name: wait for the next one.
    await new Promise((r) => setTimeout(r, 1100));
    await sh(backupScript(7), source);
    const left = readdirSync(backups).sort();
    expect(left).not.toContain('20200101T020000Z');
    expect(left).not.toContain('.partial-20200106T020000Z');
    expect(left).toContain('20200105T020000Z');
    const report = parseBackupReport(readFileSync(join(dir, 'termination-log'), 'utf8'))!;
    expect(report.backups[0]).toBe(report.backup);
    expect(report.backups).toContain('20200105T020000Z');
    // With a 1-day retention the 6-day-old one goes too, the newest stays.
    await new Promise((r) => setTimeout(r, 1100));
    await sh(backupScript(1), source);
    expect(readdirSync(backups)).not.toContain('20200105T020000Z');
  });

  it('fails with a clear message for a backup that is not there', async () => {
    await expect(sh(restoreScript(), target, { BACKUP_NAME: '20190101T000000Z', RESTORE_SOURCE: 'demoteam' })).rejects.toThrow(/backup 20190101T000000Z is not in the backup volume/);
  });

  it('restores a backup into a fresh server: rows, owners and roles back, the claims cleared, its marker left', async () => {
    const report = parseBackupReport(readFileSync(join(dir, 'termination-log'), 'utf8'))!;
    await query(source, "INSERT INTO items VALUES (3, 'after the backup')", 'shop orders');
    const before = Date.now() - 1000;
    await sh(restoreScript(), target, { BACKUP_NAME: report.backup, RESTORE_SOURCE: 'demoteam' });
    const rows = await query(target, 'SELECT id, name FROM items ORDER BY id', 'shop orders');
    expect(rows.rows).toEqual([{ id: 1, name: 'apple' }, { id: 2, name: 'pear' }]);
    const owner = await query(target, "SELECT pg_get_userbyid(datdba) AS owner, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = 'shop orders'");
    expect(owner.rows[0]).toEqual({ owner: 'shop', comment: null });
    expect((await query(target, "SELECT 1 FROM pg_database WHERE datname = 'empty_one'")).rowCount).toBe(1);
    // What the operator reads when the status and the restore Job are both lost.
    const marker = await readRestoreMarker({ host: target.host, port: target.port, user: 'postgres', password: target.password, database: 'postgres', sslmode: 'disable' });
    expect(marker).toMatchObject({ server: 'demoteam', backup: report.backup });
    expect(Date.parse(marker!.at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(marker!.at)).toBeLessThanOrEqual(Date.now());
  });

  it("the operator reads the marker before it would start a restore Job: done (its time), another restore refused, unreadable → start", async () => {
    const report = parseBackupReport(readFileSync(join(dir, 'termination-log'), 'utf8'))!;
    const admin = () => ({ host: target.host, port: target.port, user: 'postgres', password: target.password, database: 'postgres', sslmode: 'disable' as const });
    const start = { phase: 'start' as const, message: 'restoring' };
    const marker = await readRestoreMarker(admin());
    expect(await checkedAgainstMarker(start, { server: 'demoteam', backup: report.backup }, admin)).toEqual({ phase: 'done', restoredFrom: marker });
    expect(await checkedAgainstMarker(start, { server: 'demoteam', backup: '20190101T000000Z' }, admin)).toMatchObject({ phase: 'failed', message: expect.stringMatching(/holds data restored from backup \S+ of server demoteam .*: backup 20190101T000000Z of server demoteam is not restored over it/) });
    // A Job exists already (its own outcome counts), or no server to read yet: unchanged.
    const running = { phase: 'running' as const, message: 'restoring (Job x)' };
    expect(await checkedAgainstMarker(running, { server: 'demoteam', backup: '20190101T000000Z' }, admin)).toBe(running);
    expect(await checkedAgainstMarker(start, { server: 'demoteam', backup: report.backup }, undefined)).toBe(start);
    expect(await checkedAgainstMarker(start, { server: 'demoteam', backup: report.backup }, () => ({ ...admin(), port: 1 }))).toBe(start);
  });

  it('a restore run again over the restored server (a re-created Job) exits done and touches nothing: rows written since survive', async () => {
    const report = parseBackupReport(readFileSync(join(dir, 'termination-log'), 'utf8'))!;
    await query(target, "INSERT INTO items VALUES (10, 'written after the restore')", 'shop orders');
    await query(target, 'CREATE DATABASE made_after_the_restore');
    const { stdout } = await sh(restoreScript(), target, { BACKUP_NAME: report.backup, RESTORE_SOURCE: 'demoteam' });
    expect(stdout).toMatch(new RegExp(`backup ${report.backup} of server demoteam was restored into this server already .*nothing to do`));
    const rows = await query(target, 'SELECT id FROM items ORDER BY id', 'shop orders');
    expect(rows.rows.map((r) => r.id)).toEqual([1, 2, 10]);
    expect((await query(target, "SELECT 1 FROM pg_database WHERE datname = 'made_after_the_restore'")).rowCount).toBe(1);
  });

  it('refuses to restore another backup (or one of another server) over restored data', async () => {
    const report = parseBackupReport(readFileSync(join(dir, 'termination-log'), 'utf8'))!;
    await expect(sh(restoreScript(), target, { BACKUP_NAME: report.backup, RESTORE_SOURCE: 'other-server' })).rejects.toThrow(/holds data restored from another backup .*"server"\s*:\s*"demoteam".*: backup \S+ of server other-server is not restored over it/);
    expect((await query(target, 'SELECT count(*)::int AS n FROM items', 'shop orders')).rows[0].n).toBe(3);
  });

  it('an interrupted restore (its marker not written yet) starts over', async () => {
    const report = parseBackupReport(readFileSync(join(dir, 'termination-log'), 'utf8'))!;
    // The state a restore killed before its last step leaves: databases restored, no marker.
    await query(target, 'COMMENT ON DATABASE postgres IS NULL');
    await sh(restoreScript(), target, { BACKUP_NAME: report.backup, RESTORE_SOURCE: 'demoteam' });
    expect((await query(target, 'SELECT id FROM items ORDER BY id', 'shop orders')).rows.map((r) => r.id)).toEqual([1, 2]);
    expect(await readRestoreMarker({ host: target.host, port: target.port, user: 'postgres', password: target.password, database: 'postgres', sslmode: 'disable' })).toMatchObject({ server: 'demoteam', backup: report.backup });
  });

  it('fails (non-zero) when the server cannot be reached, and writes no backup', async () => {
    const complete = () => readdirSync(join(dir, 'backups')).filter((n) => !n.startsWith('.')).sort();
    const before = complete();
    await new Promise((r) => setTimeout(r, 1100));
    await expect(sh(backupScript(7), { ...source, port: 1 } as TestPostgres)).rejects.toThrow();
    // Only a `.partial-` directory may be left; the next run removes it.
    expect(complete()).toEqual(before);
  });
});
