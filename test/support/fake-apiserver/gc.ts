import type { Ctx } from './context.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from './context.js';
import { deleteObject, systemUpdate } from './operations.js';
import { tolerant } from './sweeper.js';
import type { KubeObject, OwnerReference, ResourceType } from './types.js';
import type { StoredEvent } from './watch-hub.js';

interface Entry {
  t: ResourceType;
  obj: KubeObject;
}

type OwnerState = 'solid' | 'dangling' | 'waiting' | 'orphaning';

const has = (o: KubeObject, finalizer: string): boolean => (o.metadata.finalizers ?? []).includes(finalizer);

function ownerState(ctx: Ctx, dependent: KubeObject, ref: OwnerReference): OwnerState {
  const ownerType = ctx.registry.byKind(ref.apiVersion, ref.kind);
  // An owner kind the server does not serve cannot be checked: the real GC leaves the dependent alone.
  if (!ownerType) return 'solid';
  // Owners live in the dependent's namespace; a cluster-scoped dependent cannot have a namespaced owner.
  if (ownerType.namespaced && !dependent.metadata.namespace) return 'dangling';
  const owner = ctx.store.get(ownerType, dependent.metadata.namespace, ref.name);
  if (!owner || owner.metadata.uid !== ref.uid) return 'dangling';
  if (owner.metadata.deletionTimestamp && has(owner, ORPHAN_FINALIZER)) return 'orphaning';
  if (owner.metadata.deletionTimestamp && has(owner, FOREGROUND_FINALIZER)) return 'waiting';
  return 'solid';
}

/** Deletes a dependent whose owners are all gone, or drops the references that no longer hold it. */
function collectDependent(ctx: Ctx, e: Entry, hasDependents: (uid: string) => boolean): void {
  const refs = e.obj.metadata.ownerReferences ?? [];
  const states = refs.map((r) => ownerState(ctx, e.obj, r));
  const solid = states.includes('solid');
  const drop = refs.filter((_, i) => states[i] === 'orphaning' || (solid && (states[i] === 'dangling' || states[i] === 'waiting')));
  if (drop.length > 0) {
    return tolerant(() => systemUpdate(ctx, e.t, e.obj, (o) => {
      o.metadata.ownerReferences = refs.filter((r) => !drop.includes(r));
    }));
  }
  if (solid || refs.length === 0 || e.obj.metadata.deletionTimestamp) return;
  // A dependent of an owner in foreground deletion is itself deleted in the foreground when it has dependents.
  const foreground = states.includes('waiting') && hasDependents(e.obj.metadata.uid ?? '');
  tolerant(() => deleteObject(ctx, e.t, e.obj.metadata.namespace, e.obj.metadata.name ?? '', { propagationPolicy: foreground ? 'Foreground' : 'Background' }));
}

/** Removes the orphan / foregroundDeletion finalizer once the GC's part of the deletion is done. */
function finishOwner(ctx: Ctx, e: Entry, dependents: Map<string, KubeObject[]>): void {
  const deps = dependents.get(e.obj.metadata.uid ?? '') ?? [];
  const uid = e.obj.metadata.uid;
  const blocking = deps.filter((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion));
  const done = (has(e.obj, ORPHAN_FINALIZER) && deps.length === 0 ? [ORPHAN_FINALIZER] : [])
    .concat(has(e.obj, FOREGROUND_FINALIZER) && blocking.length === 0 ? [FOREGROUND_FINALIZER] : []);
  if (done.length === 0) return;
  tolerant(() => systemUpdate(ctx, e.t, e.obj, (o) => {
    o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => !done.includes(f));
  }));
}

/**
 * One pass of the garbage collector over the whole store (level-triggered, like the real one):
 * background deletion of dependents whose owners are gone (also when a dependent names an owner
 * uid that never existed), Orphan (owner references dropped) and Foreground (owner waits for
 * dependents with blockOwnerDeletion) propagation.
 */
export function gcSweep(ctx: Ctx): void {
  const entries: Entry[] = [];
  for (const [key, obj] of ctx.store.everything()) {
    const t = ctx.registry.byKey(key);
    if (t) entries.push({ t, obj });
  }
  const dependents = new Map<string, KubeObject[]>();
  for (const { obj } of entries) {
    for (const r of obj.metadata.ownerReferences ?? []) {
      const list = dependents.get(r.uid);
      if (list) list.push(obj);
      else dependents.set(r.uid, [obj]);
    }
  }
  const hasDependents = (uid: string): boolean => (dependents.get(uid) ?? []).length > 0;
  for (const e of entries) {
    if (e.obj.metadata.deletionTimestamp) finishOwner(ctx, e, dependents);
    if ((e.obj.metadata.ownerReferences ?? []).length > 0) collectDependent(ctx, e, hasDependents);
  }
}

/**
 * What the next garbage-collector pass has to look at, decided from each change the way the real
 * collector's dependency graph does. A dependent that was written only needs its own owners looked
 * up, and when they all exist and are not being deleted there is nothing to do — the common case,
 * so a burst of writes costs O(changes), not O(store) per pass. A deletion, an object being
 * deleted, or a dependent whose owners are not all in place makes the pass walk the whole store.
 */
export class GcWork {
  private full = true;
  private readonly written = new Map<string, { key: string; namespace?: string; name: string }>();

  note(ev: StoredEvent): void {
    const m = ev.object.metadata;
    // An owner reference dropped (orphaning) may be what an owner in deletion waits for.
    if (ev.type === 'DELETED' || m.deletionTimestamp || (ev.prev && refUids(ev.prev) !== refUids(ev.object))) this.full = true;
    else if ((m.ownerReferences ?? []).length > 0) this.written.set(`${ev.key}|${m.namespace ?? ''}|${m.name ?? ''}`, { key: ev.key, namespace: m.namespace, name: m.name ?? '' });
  }

  run(ctx: Ctx): void {
    if (!this.full) this.full = [...this.written.values()].some((w) => !ownersInPlace(ctx, w));
    this.written.clear();
    if (!this.full) return;
    this.full = false;
    gcSweep(ctx);
  }
}

const refUids = (o: KubeObject | undefined): string => (o?.metadata.ownerReferences ?? []).map((r) => r.uid).join(',');

function ownersInPlace(ctx: Ctx, w: { key: string; namespace?: string; name: string }): boolean {
  const t = ctx.registry.byKey(w.key);
  const obj = t && ctx.store.get(t, w.namespace, w.name);
  if (!obj) return true; // gone since: its DELETED event asks for a full pass
  return (obj.metadata.ownerReferences ?? []).every((r) => ownerState(ctx, obj, r) === 'solid');
}
