import type { Ctx } from './context.js';
import { CRD_CLEANUP_FINALIZER } from './context.js';
import { crdEstablishedStatus, crdToType, isEstablished } from './crd.js';
import { now } from './object-meta.js';
import { deleteObject, systemUpdate } from './operations.js';
import { tolerant } from './sweeper.js';
import { typeKey } from './types.js';
import type { StoredEvent } from './watch-hub.js';

export const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';

/**
 * Serving follows the stored CRDs at once (synchronously, so a CR can be created right after its
 * CRD; the real server needs a moment until the CRD is Established).
 */
export function syncServedTypes(ctx: Ctx, ev: StoredEvent): void {
  if (ev.key !== CRD_KEY) return;
  const t = crdToType(ev.object);
  if (ev.type === 'DELETED') ctx.registry.remove(t.group, t.plural);
  else if (t.group && t.plural && t.versions.length > 0) ctx.registry.add(t);
}

/**
 * The CRD controllers: mark new CRDs NamesAccepted/Established; for a CRD being deleted, delete
 * all its custom resources (their finalizers respected) and then drop the cleanup finalizer.
 */
export function crdSweep(ctx: Ctx): void {
  const crdType = ctx.registry.byKey(CRD_KEY);
  if (!crdType) return;
  for (const crd of ctx.store.list(crdType)) {
    if (!crd.metadata.deletionTimestamp) {
      if (!isEstablished(crd)) tolerant(() => systemUpdate(ctx, crdType, crd, (o) => (o.status = crdEstablishedStatus(o, now())), 'status'));
      continue;
    }
    if (!(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) continue;
    const served = ctx.registry.byKey(typeKey(crdToType(crd)));
    const instances = served ? ctx.store.list(served) : [];
    for (const obj of instances) {
      if (served && !obj.metadata.deletionTimestamp) tolerant(() => deleteObject(ctx, served, obj.metadata.namespace, obj.metadata.name ?? '', {}));
    }
    if (instances.length === 0) {
      tolerant(() => systemUpdate(ctx, crdType, crd, (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
      }));
    }
  }
}
