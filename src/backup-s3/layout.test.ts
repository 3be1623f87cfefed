import { describe, expect, it } from '@jest/globals';
import { backupTime, groupBackups, retention } from './layout.js';

const P = 'team/db/';

describe('bucket layout and retention', () => {
  const keys = [
    `${P}20261201T020000Z/globals.sql`,
    `${P}20261201T020000Z/16384.dump`,
    `${P}20261201T020000Z/backup.json`,
    `${P}20261205T020000Z/globals.sql`,
    `${P}20261205T020000Z/backup.json`,
    `${P}20261206T020000Z/globals.sql`, // incomplete: an upload that died
    `${P}20261207T020000Z/globals.sql`,
    `${P}20261207T020000Z/backup.json`,
    `${P}README.txt`, // not a backup
    `${P}20261201T020000Z/nested/x`, // not this layout
    'team/db-other/20261201T020000Z/backup.json', // another prefix
  ];

  it('groups the keys by backup and knows the complete ones by their manifest', () => {
    const b = groupBackups(P, keys);
    expect([...b.keys.keys()].sort()).toEqual(['20261201T020000Z', '20261205T020000Z', '20261206T020000Z', '20261207T020000Z']);
    expect([...b.complete].sort()).toEqual(['20261201T020000Z', '20261205T020000Z', '20261207T020000Z']);
    expect(b.keys.get('20261201T020000Z')).toHaveLength(3);
  });

  it('expires complete backups older than the retention and incomplete ones, keeps the current, newest first', () => {
    const now = new Date('2026-12-07T03:00:00Z');
    expect(retention(groupBackups(P, keys), '20261207T020000Z', 3, now)).toEqual({ expired: ['20261201T020000Z', '20261206T020000Z'], kept: ['20261207T020000Z', '20261205T020000Z'] });
  });

  it('leaves an incomplete backup younger than a day alone: another run may still be uploading it', () => {
    const running = [...keys, `${P}20261207T010000Z/globals.sql`]; // started an hour before "now", no manifest yet
    const { expired, kept } = retention(groupBackups(P, running), '20261207T020000Z', 3, new Date('2026-12-07T02:00:00Z'));
    expect(expired).not.toContain('20261207T010000Z');
    expect(kept).not.toContain('20261207T010000Z');
    // A day on, it is an upload that died: deleted.
    expect(retention(groupBackups(P, running), '20261208T020000Z', 3, new Date('2026-12-08T02:00:01Z')).expired).toContain('20261207T010000Z');
  });

  it('never expires the current backup, however old', () => {
    expect(retention(groupBackups(P, keys), '20261201T020000Z', 1, new Date('2030-01-01T00:00:00Z')).kept).toEqual(['20261201T020000Z']);
  });

  it('reads a backup name as its UTC start time', () => {
    expect(backupTime('20261206T020304Z').toISOString()).toBe('2026-12-06T02:03:04.000Z');
    expect(() => backupTime('../etc')).toThrow(/not a backup name/);
  });
});
