import { describe, expect, it } from '@jest/globals';
import { changeMasterPassword, passwordFingerprint } from './password.js';
import type { MasterView, PasswordTarget } from './password.js';

/** A resource that answers `views` in turn and records what was sent. */
function target(views: (MasterView | undefined)[], after?: MasterView) {
  const sent: string[] = [];
  const t: PasswordTarget = {
    read: async () => views.shift(),
    send: async (pw) => {
      sent.push(pw);
      return after;
    },
  };
  return { t, sent };
}

const available: MasterView = { status: 'available', passwordPending: false };

describe('changeMasterPassword', () => {
  it('trusts "available" only after the settle time when RDS never showed the change in progress', async () => {
    let now = 1_000;
    const timing = { now: () => now, settleMs: 60_000, retrySeconds: 15 };
    const { t, sent } = target([available, available, available], available);
    const first = await changeMasterPassword(t, 'uid', 'pw-1', {}, timing);
    expect(first.applied).toBe(false);
    expect(sent).toEqual(['pw-1']);
    const early = await changeMasterPassword(t, 'uid', 'pw-1', first.state ?? {}, timing);
    expect(early.applied).toBe(false);
    now += 60_000;
    const late = await changeMasterPassword(t, 'uid', 'pw-1', early.state ?? {}, timing);
    expect(late.applied).toBe(true);
    expect(sent).toEqual(['pw-1']);
  });

  it('sends a different password again', async () => {
    const timing = { now: () => 0, settleMs: 0, retrySeconds: 15 };
    const { t, sent } = target([available, available], { status: 'resetting-master-credentials', passwordPending: true });
    const first = await changeMasterPassword(t, 'uid', 'pw-1', {}, timing);
    await changeMasterPassword(t, 'uid', 'pw-2', first.state ?? {}, timing);
    expect(sent).toEqual(['pw-1', 'pw-2']);
  });

  it('keeps only a fingerprint that differs per server and password', () => {
    expect(passwordFingerprint('a', 'pw')).toHaveLength(16);
    expect(passwordFingerprint('a', 'pw')).not.toBe(passwordFingerprint('b', 'pw'));
    expect(passwordFingerprint('a', 'pw')).not.toBe(passwordFingerprint('a', 'pw2'));
  });

  it('waits while the server does not exist', async () => {
    const { t, sent } = target([undefined]);
    expect(await changeMasterPassword(t, 'uid', 'pw', {}, { now: () => 0, settleMs: 0, retrySeconds: 15 })).toMatchObject({ applied: false, retryAfterSeconds: 15 });
    expect(sent).toEqual([]);
  });
});
