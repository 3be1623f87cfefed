import { describe, expect, it } from '@jest/globals';
import { Sweeper } from './sweeper.js';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('Sweeper', () => {
  it('runs no sweep while held, not even one scheduled just before the hold, and sweeps on release', async () => {
    let sweeps = 0;
    const sweeper = new Sweeper('test', () => sweeps++, 10);
    sweeper.poke();
    sweeper.hold();
    sweeper.poke();
    await pause(50);
    expect(sweeps).toBe(0);
    sweeper.release();
    await pause(50);
    expect(sweeps).toBe(1);
    sweeper.stop();
  });
});
