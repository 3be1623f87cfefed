import type { ListPages } from './list-pages.js';
import type { TypeRegistry } from './registry.js';
import type { ObjectStore } from './store.js';
import type { WatchHub } from './watch-hub.js';

/** What the operations, controllers and HTTP handlers share. */
export interface Ctx {
  store: ObjectStore;
  registry: TypeRegistry;
  hub: WatchHub;
  /** Snapshots behind paged lists (`limit` / `continue`). */
  pages: ListPages;
}

export const CORE_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** Namespaces the real server refuses to delete. */
export const UNDELETABLE_NAMESPACES = ['default', 'kube-system', 'kube-public'];

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
