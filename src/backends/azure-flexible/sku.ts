import type { ServerSpec } from '../../api/types.js';
import type { FlexibleClass } from './settings.js';

/** vCore counts Azure offers in the D/E `ds_v5` series (General Purpose / Memory Optimized). */
export const VCORE_STEPS: readonly number[] = [2, 4, 8, 16, 32, 48, 64, 96];
const GIB = 1024;

/**
 * A SKU for a spec sized by cpu/memory instead of a class: the smallest offer with at least the
 * requested vCores and memory. 1 vCore with at most 2 GiB is the Burstable B1ms; otherwise General
 * Purpose (4 GiB per vCore) or, when more memory per vCore is asked for, Memory Optimized (8 GiB).
 * Returns undefined when nothing Azure offers is big enough.
 */
export function skuForSize(size: Pick<ServerSpec['size'], 'cpu' | 'memoryMB'>): FlexibleClass | undefined {
  const cpu = Math.max(1, Math.ceil(size.cpu ?? 2));
  const memoryMB = size.memoryMB ?? 0;
  if (cpu <= 1 && memoryMB <= 2 * GIB) return { name: 'Standard_B1ms', tier: 'Burstable' };
  for (const vcores of VCORE_STEPS) {
    if (vcores < cpu) continue;
    if (memoryMB <= vcores * 4 * GIB) return { name: `Standard_D${vcores}ds_v5`, tier: 'GeneralPurpose' };
    if (memoryMB <= vcores * 8 * GIB) return { name: `Standard_E${vcores}ds_v5`, tier: 'MemoryOptimized' };
  }
  return undefined;
}

/** Premium SSD sizes (GiB) a Flexible Server can have. */
export const STORAGE_SIZES_GB: readonly number[] = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];

/** Azure only offers fixed sizes: the smallest one that holds what was asked for (undefined: too big). */
export function storageSizeFor(requestedGB: number): number | undefined {
  return STORAGE_SIZES_GB.find((s) => s >= requestedGB);
}
