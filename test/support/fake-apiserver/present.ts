import type { KubeObject, ResourceType } from './types.js';
import { apiVersionOf, atVersion } from './types.js';

/** A list response. Built-in lists carry no kind/apiVersion on their items; custom resource lists do. */
export function presentList(t: ResourceType, version: string, items: KubeObject[], resourceVersion: number): Record<string, unknown> {
  return {
    apiVersion: apiVersionOf(t.group, version),
    kind: `${t.kind}List`,
    metadata: { resourceVersion: String(resourceVersion) },
    items: items.map((o) => {
      if (t.custom) return atVersion(t, version, o);
      const { apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    }),
  };
}

/** The Status a DELETE answers with when the object is gone and the type does not return it. */
export function deletedStatus(t: ResourceType, obj: KubeObject): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, ...(t.group ? { group: t.group } : {}), kind: t.plural, uid: obj.metadata.uid },
  };
}
