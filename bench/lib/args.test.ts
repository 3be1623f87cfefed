import { describe, expect, it } from '@jest/globals';
import { parseArgs } from './args.js';

describe('parseArgs', () => {
  it('runs every figure at N = 100, 500 and 1000 by default, with more pairs for short rounds', () => {
    const opts = parseArgs([]);
    expect(opts).toMatchObject({ mode: 'default', figures: ['throughput', 'latency', 'idle', 'memory'], sizes: [100, 500, 1000], pairs: 4, pairDatabases: 500, concurrency: 10, resyncSeconds: 300, operatorNodeOptions: '', pgOnDisk: false });
  });

  it('takes exactly the pairs asked for, and sizes in any order', () => {
    const opts = parseArgs(['--quick', '--sizes', '500,100', '--pairs', '3', '--pg-on-disk']);
    expect(opts).toMatchObject({ mode: 'quick', sizes: [100, 500], pairs: 3, pairDatabases: 0, pgOnDisk: true });
  });

  it("starts the operator as the image does unless told otherwise, and takes node options in place of the image's", () => {
    expect(parseArgs([])).not.toHaveProperty('operatorNodeArgs');
    expect(parseArgs(['--operator-node-args', ' --optimize-for-size  --trace-gc ', '--operator-log-dir', 'logs'])).toMatchObject({ operatorNodeArgs: ['--optimize-for-size', '--trace-gc'], operatorLogDir: 'logs' });
    expect(parseArgs(['--operator-node-args', '']).operatorNodeArgs).toEqual([]);
  });

  it('watches RSS after the idle figure for 10 minutes by default, 30 with --full, and not in a quick run unless asked', () => {
    expect(parseArgs([]).soakMinutes).toBe(10);
    expect(parseArgs(['--full']).soakMinutes).toBe(30);
    expect(parseArgs(['--quick']).soakMinutes).toBe(0);
    expect(parseArgs(['--quick', '--soak-minutes', '2']).soakMinutes).toBe(2);
    expect(parseArgs(['--soak-minutes', '0']).soakMinutes).toBe(0);
    expect(() => parseArgs(['--soak-minutes', '-1'])).toThrow('not a positive integer: -1');
  });

  it('reads "restart" as the memory figure, which measures both', () => {
    expect(parseArgs(['--only', 'restart,throughput']).figures).toEqual(['throughput', 'memory']);
  });

  it('refuses what it does not know instead of running something else', () => {
    expect(() => parseArgs(['--only', 'speed'])).toThrow('unknown figure speed');
    expect(() => parseArgs(['--sizes', '100,0'])).toThrow('not a positive integer: 0');
    expect(() => parseArgs(['--size', '100'])).toThrow('unknown option --size');
    expect(() => parseArgs(['--out'])).toThrow('--out needs a value');
    expect(() => parseArgs(['--help'])).toThrow('usage: npm run bench');
  });
});
