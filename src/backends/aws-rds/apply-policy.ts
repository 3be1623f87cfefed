import type { ApplyPolicy } from './config.js';
import { DISRUPTIVE_FIELDS } from './compare.js';
import type { Field } from './compare.js';

export interface ApplyPlan {
  /** The fields to send in this Modify call (the rest follows on a later reconcile). */
  fields: Field[];
  applyImmediately: boolean;
}

/**
 * Which differences one Modify call sends, and with which `ApplyImmediately`.
 *
 * Under `safe`, non-disruptive changes go first and immediately, disruptive ones (class, engine
 * version) afterwards for the maintenance window. RDS applies *all* pending modifications when a
 * later call says `ApplyImmediately=true`, so while a disruptive change waits for the window every
 * further call says false: a storage increase must not reboot the instance by the back door.
 */
export function planApply(policy: ApplyPolicy, fields: Field[], disruptivePending: boolean): ApplyPlan {
  if (policy === 'immediately') return { fields, applyImmediately: true };
  if (policy === 'maintenance_window') return { fields, applyImmediately: false };
  const gentle = fields.filter((f) => !DISRUPTIVE_FIELDS.has(f));
  if (gentle.length > 0) return { fields: gentle, applyImmediately: !disruptivePending };
  return { fields, applyImmediately: false };
}

/** Whether RDS holds a disruptive modification for the maintenance window. */
export function hasDisruptivePending(pending: { DBInstanceClass?: string; EngineVersion?: string } | undefined): boolean {
  return Boolean(pending?.DBInstanceClass || pending?.EngineVersion);
}
