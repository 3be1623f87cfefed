import { describe, expect, it } from '@jest/globals';
import { afterAttempt, attemptsFor, nextStep, notConvergingMessage } from './convergence.js';

const policy = { maxAttempts: 3, backoffSeconds: 60 };
const RETENTION = 'backup retention 1 → 7 days';
const CLASS = 'instance class db.m5.large → db.m5.xlarge';
const t0 = new Date('2026-12-06T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('bounded convergence', () => {
  it('sends at once, then backs off doubling, and stops after the last attempt', () => {
    let record = attemptsFor(undefined, 4, [RETENTION]);
    expect(nextStep(record, [RETENTION], policy, t0)).toEqual({ kind: 'send' });
    record = afterAttempt(record, [RETENTION], t0);
    expect(nextStep(record, [RETENTION], policy, at(30))).toEqual({ kind: 'wait', seconds: 30, nextAttempt: 2 });
    expect(nextStep(record, [RETENTION], policy, at(60))).toEqual({ kind: 'send' });
    record = afterAttempt(record, [RETENTION], at(60));
    expect(nextStep(record, [RETENTION], policy, at(150))).toEqual({ kind: 'wait', seconds: 30, nextAttempt: 3 });
    record = afterAttempt(record, [RETENTION], at(180));
    expect(record.attempts).toEqual({ [RETENTION]: 3 });
    expect(nextStep(record, [RETENTION], policy, at(10_000))).toEqual({ kind: 'stop', stuck: [RETENTION] });
  });

  it('starts again for a new generation, and forgets differences that went away or changed', () => {
    const record = afterAttempt(afterAttempt(attemptsFor(undefined, 4, [RETENTION, CLASS]), [RETENTION, CLASS], t0), [RETENTION], at(60));
    expect(attemptsFor(record, 5, [RETENTION]).attempts).toEqual({});
    // The class was applied; the cloud moved retention to 3 (another text): both count from zero.
    expect(attemptsFor(record, 4, ['backup retention 3 → 7 days']).attempts).toEqual({});
    expect(attemptsFor(record, 4, [RETENTION]).attempts).toEqual({ [RETENTION]: 2 });
  });

  it('counts only the differences an update addressed (changes waiting their turn keep their attempts)', () => {
    const firewall = 'firewall rule office to add';
    let record = attemptsFor(undefined, 1, [CLASS, firewall]);
    record = afterAttempt(record, [CLASS], t0);
    // The server change is done; the firewall rule's first attempt goes out without backoff.
    const now = attemptsFor(record, 1, [firewall]);
    expect(nextStep(now, [firewall], policy, at(1))).toEqual({ kind: 'send' });
  });

  it('says which settings, as reported and as wanted, and how to try again', () => {
    const message = notConvergingMessage([RETENTION, CLASS], 3);
    expect(message).toContain('after 3 update attempts (reported → wanted): backup retention 1 → 7 days; instance class db.m5.large → db.m5.xlarge');
    expect(message).toContain('operator/action=retry');
  });
});
