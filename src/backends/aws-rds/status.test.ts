import { describe, expect, it } from '@jest/globals';
import { DEFAULT_POLL, judgeStatus, nextPoll, withoutPoll } from './status.js';

describe('RDS status', () => {
  it('serves while available or modifying, and is busy while RDS works for us or needs a human', () => {
    expect(judgeStatus('available')).toEqual({ serving: true, busy: false, stuck: false });
    expect(judgeStatus('modifying')).toEqual({ serving: true, busy: true, stuck: false });
    expect(judgeStatus('creating')).toEqual({ serving: false, busy: true, stuck: false });
    // Routine work RDS does on its own does not hold up the operator.
    expect(judgeStatus('backing-up')).toEqual({ serving: true, busy: false, stuck: false });
    expect(judgeStatus('storage-optimization')).toEqual({ serving: true, busy: false, stuck: false });
    expect(judgeStatus('storage-full')).toEqual({ serving: false, busy: true, stuck: true });
    expect(judgeStatus(undefined)).toEqual({ serving: false, busy: true, stuck: false });
  });

  it('polls less often the longer a status lasts, and starts over when it changes', () => {
    let state: Record<string, unknown> = { other: 1 };
    const seconds: number[] = [];
    for (let i = 0; i < 5; i++) {
      const next = nextPoll(state, 'creating', DEFAULT_POLL);
      seconds.push(next.seconds);
      state = next.state;
    }
    expect(seconds).toEqual([15, 30, 60, 120, 120]);
    expect(nextPoll(state, 'modifying', DEFAULT_POLL).seconds).toBe(15);
    expect(nextPoll({}, 'stopped', DEFAULT_POLL).seconds).toBe(120);
    expect(withoutPoll(state)).toEqual({ other: 1 });
  });
});
