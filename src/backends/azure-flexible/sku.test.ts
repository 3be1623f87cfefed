import { describe, it, expect } from '@jest/globals';
import { skuForSize, storageSizeFor } from './sku.js';

describe('skuForSize', () => {
  it('picks the Burstable B1ms for one small core', () => {
    expect(skuForSize({ cpu: 1, memoryMB: 512 })).toEqual({ name: 'Standard_B1ms', tier: 'Burstable' });
  });

  it('rounds cpu up to the next General Purpose size', () => {
    expect(skuForSize({ cpu: 3 })).toEqual({ name: 'Standard_D4ds_v5', tier: 'GeneralPurpose' });
    expect(skuForSize({ cpu: 1, memoryMB: 4096 })).toEqual({ name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' });
  });

  it('takes Memory Optimized when more than 4 GiB per vCore is asked for', () => {
    expect(skuForSize({ cpu: 2, memoryMB: 12 * 1024 })).toEqual({ name: 'Standard_E2ds_v5', tier: 'MemoryOptimized' });
  });

  it('grows the vCores when even Memory Optimized lacks memory', () => {
    expect(skuForSize({ cpu: 2, memoryMB: 20 * 1024 })).toEqual({ name: 'Standard_E4ds_v5', tier: 'MemoryOptimized' });
  });

  it('has nothing above 96 vCores', () => {
    expect(skuForSize({ cpu: 128 })).toBeUndefined();
  });
});

describe('storageSizeFor', () => {
  it('rounds up to the sizes Azure offers', () => {
    expect(storageSizeFor(1)).toBe(32);
    expect(storageSizeFor(32)).toBe(32);
    expect(storageSizeFor(50)).toBe(64);
    expect(storageSizeFor(1025)).toBe(2048);
    expect(storageSizeFor(40000)).toBeUndefined();
  });
});
