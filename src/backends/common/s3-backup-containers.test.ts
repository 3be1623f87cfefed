import { describe, expect, it } from '@jest/globals';
import { uploaderContainer, type S3Target } from './s3-backup-containers.js';

const target: S3Target = { bucket: 'b', endpoint: '', region: 'us-east-1', prefix: '{namespace}/{name}/', forcePathStyle: false, credentialsSecret: 's', image: 'operator:1' };
const limitMi = (sizeGB: number): number => {
  const memory = uploaderContainer(target, 'ns/db/', { volume: 'backup', path: '/backup', sizeGB }, 7).resources!.limits!.memory!;
  return Number(/^(\d+)Mi$/.exec(memory)![1]);
};

describe('S3 uploader container', () => {
  it('keeps 512Mi for ordinary dumps', () => {
    expect(limitMi(20)).toBe(512);
    expect(limitMi(500)).toBe(512);
  });

  it('gives a dump that needs large parts the memory lib-storage holds (about 100 MiB + 4 parts, 10,000 parts at most)', () => {
    for (const sizeGB of [1000, 2000, 8000]) {
      const partMi = Math.ceil((sizeGB * 1024) / 10_000);
      expect(limitMi(sizeGB)).toBeGreaterThanOrEqual(100 + 4 * partMi + 64);
    }
  });
});
