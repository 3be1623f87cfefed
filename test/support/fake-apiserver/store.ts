import type { KubeObject, ResourceType } from './types.js';
import { typeKey } from './types.js';
import type { WatchHub } from './watch-hub.js';

/** Stored objects are frozen so no handler can change one behind the history's back. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

const objectKey = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;

/**
 * The object as stored: at revision `rv`, frozen. The write paths hand over objects of their own
 * making (decoded request bodies, patched or cloned copies) that nobody else holds, so those are
 * frozen in place instead of copied first (with stackless errors, 5 % less CPU per write in the
 * benchmarks); an object with frozen parts on top, which a writer may still share, is copied.
 */
function withRv(obj: KubeObject, rv: number): KubeObject {
  const own = Object.isFrozen(obj) || Object.isFrozen(obj.metadata) ? structuredClone(obj) : obj;
  own.metadata.resourceVersion = String(rv);
  return deepFreeze(own);
}

/**
 * The "etcd" of the fake: objects by type and namespace/name, and the one global resourceVersion
 * counter. Every write gets the next revision and is published to the watch hub. It knows no API
 * rules; those live in the operations modules.
 */
export class ObjectStore {
  private rv = 0;
  private readonly data = new Map<string, Map<string, KubeObject>>();

  constructor(private readonly hub: WatchHub) {}

  currentRv(): number {
    return this.rv;
  }

  /** Advance the revision without a change to any object watched here (as writes elsewhere would). */
  bumpRv(): number {
    return ++this.rv;
  }

  get(t: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    return this.data.get(typeKey(t))?.get(objectKey(t.namespaced ? ns : undefined, name));
  }

  /** Objects of a type, optionally in one namespace, sorted like etcd keys (namespace, then name). */
  list(t: ResourceType, ns?: string): KubeObject[] {
    const all = [...(this.data.get(typeKey(t))?.entries() ?? [])];
    all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const objects = all.map(([, o]) => o);
    return ns === undefined ? objects : objects.filter((o) => o.metadata.namespace === ns);
  }

  /** Every object of every type (for the garbage collector's owner index). */
  *everything(): Generator<[string, KubeObject]> {
    for (const [key, objects] of this.data) for (const o of objects.values()) yield [key, o];
  }

  insert(t: ResourceType, obj: KubeObject): KubeObject {
    const stored = withRv(obj, ++this.rv);
    this.bucket(t).set(objectKey(stored.metadata.namespace, stored.metadata.name ?? ''), stored);
    this.hub.publish({ rv: this.rv, type: 'ADDED', key: typeKey(t), object: stored });
    return stored;
  }

  replace(t: ResourceType, prev: KubeObject, obj: KubeObject): KubeObject {
    const stored = withRv(obj, ++this.rv);
    this.bucket(t).set(objectKey(prev.metadata.namespace, prev.metadata.name ?? ''), stored);
    this.hub.publish({ rv: this.rv, type: 'MODIFIED', key: typeKey(t), object: stored, prev });
    return stored;
  }

  /** Removes the object; the DELETED event (and the result) carry its last state at the new revision. */
  remove(t: ResourceType, prev: KubeObject): KubeObject {
    const gone = withRv(prev, ++this.rv);
    this.bucket(t).delete(objectKey(prev.metadata.namespace, prev.metadata.name ?? ''));
    this.hub.publish({ rv: this.rv, type: 'DELETED', key: typeKey(t), object: gone, prev });
    return gone;
  }

  private bucket(t: ResourceType): Map<string, KubeObject> {
    const key = typeKey(t);
    let b = this.data.get(key);
    if (!b) {
      b = new Map();
      this.data.set(key, b);
    }
    return b;
  }
}
