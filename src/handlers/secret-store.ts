import type * as k8s from '@kubernetes/client-node';
import { mergePatchOptions } from '../k8s/patch.js';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../api/constants.js';
import type { OwnerReference } from '../api/types.js';
import type { KubeClients } from '../k8s/clients.js';
import { isNotFound } from '../k8s/clients.js';
import type { Watcher } from '../reconcile/watcher.js';

export type SecretRead =
  | { kind: 'missing' }
  | { kind: 'owned'; data: Record<string, string> }
  | { kind: 'foreign'; owner: string; owners: Array<{ kind: string; name: string; uid: string }>; unowned?: UnownedSecret };

/** A Secret without any ownerReferences (as the Python operator wrote them): a candidate for adoption. */
export interface UnownedSecret {
  data: Record<string, string>;
  resourceVersion?: string;
}

/**
 * Reads and writes Secrets on behalf of a CR, with an ownership check on every access:
 * a Secret is ours only when its ownerReferences name the CR's uid. A foreign Secret is never
 * written or deleted. A read error is an error, never "missing" (that would rotate passwords).
 * Our Secrets carry the managed-by label, so the informer cache answers most reads.
 */
export class SecretStore {
  constructor(
    private readonly kube: KubeClients,
    private readonly cache?: Watcher<k8s.V1Secret>,
  ) {}

  /**
   * `trustCache`: for the operator's own Secrets, which always carry the label the cache selects
   * on: once the cache has listed, a miss means "missing" without asking the API server. A Secret
   * of that name made by someone else (without the label), or one the cache has not seen yet, makes
   * the create fail with 409 AlreadyExists; the caller then reads again without trusting the cache.
   */
  async read(namespace: string, name: string, ownerUid: string, opts: { trustCache?: boolean } = {}): Promise<SecretRead> {
    const cached = this.cache?.get(namespace, name);
    if (!cached && opts.trustCache && this.cache?.synced) return { kind: 'missing' };
    const secret = cached ?? (await this.fetch(namespace, name));
    if (!secret) return { kind: 'missing' };
    const refs = secret.metadata?.ownerReferences ?? [];
    if (!refs.some((r) => r.uid === ownerUid)) {
      const owners = refs.map((r) => ({ kind: r.kind, name: r.name, uid: r.uid }));
      if (refs.length) return { kind: 'foreign', owner: refs.map((r) => `${r.kind}/${r.name}`).join(', '), owners };
      const unowned = { data: decode(secret.data), resourceVersion: secret.metadata?.resourceVersion };
      return { kind: 'foreign', owner: 'nobody (created outside the operator)', owners, unowned };
    }
    return { kind: 'owned', data: decode(secret.data) };
  }

  /**
   * Creates the Secret, or updates its data in place when it differs (never delete-and-recreate:
   * pods mounting it would fail meanwhile). Keys not in `data` are removed.
   * Returns what happened. The caller has checked ownership with `read`.
   */
  async write(
    namespace: string,
    name: string,
    owner: OwnerReference,
    data: Record<string, string>,
    labels: Record<string, string>,
    current: SecretRead,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    if (current.kind === 'foreign') throw new Error(`Secret ${namespace}/${name} belongs to ${current.owner}`);
    if (current.kind === 'owned' && sameData(current.data, data)) return 'unchanged';
    const encoded = encode(data);
    if (current.kind === 'missing') {
      await this.kube.core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name, namespace, labels: { ...labels, [LABEL_MANAGED_BY]: MANAGED_BY }, ownerReferences: [owner] },
          type: 'Opaque',
          data: encoded,
        },
      });
      return 'created';
    }
    const removed = Object.fromEntries(Object.keys(current.data).filter((k) => !(k in data)).map((k) => [k, null]));
    await this.kube.core.patchNamespacedSecret(
      { namespace, name, body: { metadata: { labels: { ...labels, [LABEL_MANAGED_BY]: MANAGED_BY } }, data: { ...removed, ...encoded } } },
      mergePatchOptions(),
    );
    return 'updated';
  }

  /**
   * Takes over a Secret nobody owns (the caller has proven it belongs to `owner`): adds the
   * ownerReference and the managed-by label, data untouched. `resourceVersion` is the version that
   * was proven: a Secret changed since gives 409 and the reconcile proves it again.
   */
  async adopt(namespace: string, name: string, owner: OwnerReference, labels: Record<string, string>, resourceVersion?: string): Promise<void> {
    await this.kube.core.patchNamespacedSecret(
      { namespace, name, body: { metadata: { resourceVersion, ownerReferences: [owner], labels: { ...labels, [LABEL_MANAGED_BY]: MANAGED_BY } } } },
      mergePatchOptions(),
    );
  }

  /** The data of a Secret that is only read, never written (the Python operator's tmp Secrets); undefined when missing. */
  async peek(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const secret = await this.fetch(namespace, name);
    return secret ? decode(secret.data) : undefined;
  }

  private async fetch(namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
    try {
      return await this.kube.core.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/**
 * A Secret owned only by an earlier object of the same kind and name (deleted, then created again):
 * the garbage collector is about to remove it. Not ours to take, but worth waiting for rather than
 * reporting a conflict that would last until the spec changes.
 */
export function leftByPredecessor(read: SecretRead, owner: { kind: string; name: string; uid: string }): boolean {
  return read.kind === 'foreign' && read.owners.length > 0 && read.owners.every((o) => o.kind === owner.kind && o.name === owner.name && o.uid !== owner.uid);
}

function decode(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

function encode(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
