import { listInPages } from './list-pages.js';
import { mergePatchOptions } from './patch.js';
import { GROUP, VERSION } from '../api/constants.js';
import type { KubeClients } from './clients.js';
import { isNotFound } from './clients.js';

/** Typed access to one namespaced custom resource kind. */
export class CustomResourceClient<T extends { metadata: { name: string; namespace: string; resourceVersion?: string } }> {
  constructor(
    private readonly kube: KubeClients,
    readonly plural: string,
  ) {}

  /** The object fresh from the API server, or undefined when it is gone. */
  async get(namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: this.plural, name })) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Replaces metadata/spec with optimistic concurrency (409 when `obj` is stale). */
  async replace(obj: T): Promise<T> {
    const { namespace, name } = obj.metadata;
    return (await this.kube.custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: this.plural, name, body: obj })) as T;
  }

  /** Merge-patches the status subresource (the operator owns every status field). */
  async patchStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<T> {
    return (await this.kube.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace, plural: this.plural, name, body: { status } },
      mergePatchOptions(),
    )) as T;
  }

  /** Merge-patches metadata (e.g. removes a label with `{ labels: { key: null } }`). */
  async patchMetadata(namespace: string, name: string, metadata: Record<string, unknown>): Promise<T> {
    return (await this.kube.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: this.plural, name, body: { metadata } },
      mergePatchOptions(),
    )) as T;
  }

  /** Every object (in one namespace, or all), listed in pages. */
  async list(namespace?: string): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> {
    return listInPages<T, { items: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(async (limit, token) => {
      const page = { group: GROUP, version: VERSION, plural: this.plural, limit, _continue: token };
      return (namespace ? this.kube.custom.listNamespacedCustomObject({ ...page, namespace }) : this.kube.custom.listClusterCustomObject(page)) as Promise<{ items: T[]; metadata?: { continue?: string } }>;
    });
  }

  /** API path for informers: all namespaces, or one. */
  path(namespace?: string): string {
    return namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${this.plural}` : `/apis/${GROUP}/${VERSION}/${this.plural}`;
  }
}
