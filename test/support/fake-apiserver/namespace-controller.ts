import type { Ctx } from './context.js';
import { deleteObject, systemUpdate } from './operations.js';
import { tolerant } from './sweeper.js';
import { isRecord } from './types.js';

/**
 * The namespace controller: a namespace marked for deletion has all its content deleted (their
 * finalizers respected); once empty, its "kubernetes" spec finalizer is removed and it goes away.
 */
export function namespaceSweep(ctx: Ctx): void {
  const nsType = ctx.registry.byKey('/namespaces');
  if (!nsType) return;
  for (const ns of ctx.store.list(nsType)) {
    if (!ns.metadata.deletionTimestamp) continue;
    const name = ns.metadata.name ?? '';
    let remaining = 0;
    for (const t of ctx.registry.all().filter((x) => x.namespaced)) {
      for (const obj of ctx.store.list(t, name)) {
        remaining++;
        if (!obj.metadata.deletionTimestamp) tolerant(() => deleteObject(ctx, t, name, obj.metadata.name ?? '', {}));
      }
    }
    const specFinalizers = isRecord(ns.spec) && Array.isArray(ns.spec.finalizers) ? ns.spec.finalizers : [];
    if (remaining === 0 && specFinalizers.length > 0) {
      tolerant(() => systemUpdate(ctx, nsType, ns, (o) => {
        o.spec = { ...(isRecord(o.spec) ? o.spec : {}), finalizers: [] };
      }, 'finalize'));
    }
  }
}
