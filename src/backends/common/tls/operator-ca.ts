import type * as k8s from '@kubernetes/client-node';
import { isAlreadyExists, isConflict, isNotFound, type KubeClients } from '../../../k8s/clients.js';
import { GROUP } from '../../../api/constants.js';
import type { BackendDeps } from '../../types.js';
import { createCa, type KeyPairPem } from './certificates.js';
import { caSecretContent, parseCaSecret, trustBundle, type CaSecretState } from './ca-secret.js';
import { operatorNamespace } from './namespace.js';

export const CA_COMMON_NAME = 'hybrid-cloud-postgresql-operator CA';

/** The signing CA, and the bundle clients trust (`ca.crt`): both CAs while one is being rotated. */
export interface OperatorCaPem extends KeyPairPem {
  trust: string;
}

/**
 * How long a read of the CA Secret is used before it is read again. A CA rotation (ADR 0024)
 * changes the Secret; every replica sees a stage within this time, and a stale read for that long
 * is harmless: each stage keeps trusting what the one before it served.
 */
const REREAD_MS = 10_000;

/**
 * The operator's CA, made once and kept in a Secret of fixed name in the operator's namespace.
 * Replicas and restarts race to make it: each creates the Secret with its own new CA and, on 409,
 * reads the winner's; every process then uses the one stored. Read again every few seconds, as a
 * rotation moves it on; a failed read is retried on the next call.
 */
export class OperatorCa {
  private loading?: Promise<CaSecretState>;
  private loaded?: { state: CaSecretState; at: number };

  constructor(
    private readonly kube: KubeClients,
    readonly namespace: string,
    readonly secretName: string,
  ) {}

  /** The signing CA and the trust bundle, from memory, the Secret, or made now. */
  async get(): Promise<OperatorCaPem> {
    const state = await this.state();
    return { ...state.signing, trust: trustBundle(state) };
  }

  /** What the CA Secret holds (read again when the last read is older than a few seconds). */
  state(): Promise<CaSecretState> {
    if (this.loaded && Date.now() - this.loaded.at < REREAD_MS) return Promise.resolve(this.loaded.state);
    if (!this.loading) {
      const stale = this.loaded?.state;
      this.loading = this.load().then(
        (state) => {
          this.loaded = { state, at: Date.now() };
          this.loading = undefined;
          return state;
        },
        (err: unknown) => {
          this.loading = undefined;
          // A failed re-read (the API server away for a moment) keeps serving what was read before.
          if (stale) return stale;
          throw err;
        },
      );
    }
    return this.loading;
  }

  /** The CA Secret as it is now, read fresh; undefined when there is none (this makes none). */
  async current(): Promise<CaSecretState | undefined> {
    const state = await this.read();
    if (state) this.loaded = { state, at: Date.now() };
    return state;
  }

  /** The next call reads the Secret again (this process changed it, or wants the latest); the last read serves until then. */
  forget(): void {
    if (this.loaded) this.loaded.at = 0;
  }

  /**
   * Writes the next stage of a CA rotation (ADR 0024) over the state it was decided from, read
   * fresh: false when the Secret changed since (another replica, an admin), and nothing is written.
   */
  async transition(from: CaSecretState, to: CaSecretState): Promise<boolean> {
    this.forget();
    const secret = await this.kube.core.readNamespacedSecret({ name: this.secretName, namespace: this.namespace });
    if (!from.resourceVersion || secret.metadata?.resourceVersion !== from.resourceVersion) return false;
    const { stringData, annotations } = caSecretContent(to);
    const kept = Object.entries({ ...secret.metadata?.annotations, ...annotations }).filter((e): e is [string, string] => e[1] !== null);
    const body: k8s.V1Secret = { ...secret, metadata: { ...secret.metadata, annotations: Object.fromEntries(kept) }, data: undefined, stringData };
    try {
      await this.kube.core.replaceNamespacedSecret({ name: this.secretName, namespace: this.namespace, body });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    } finally {
      this.forget();
    }
  }

  private async load(): Promise<CaSecretState> {
    const existing = await this.read();
    if (existing) return existing;
    // A Secret deleted by hand while this process knows the CA comes back with it (and with the
    // rotation it was in): a new CA would cut off every client. Else a new CA, the first time.
    const made: CaSecretState = this.loaded?.state ?? { signing: createCa(CA_COMMON_NAME), stage: 'idle' };
    const { stringData, annotations } = caSecretContent(made);
    const kept = Object.entries(annotations).filter((e): e is [string, string] => e[1] !== null);
    const body: k8s.V1Secret = {
      metadata: { name: this.secretName, namespace: this.namespace, labels: { [`${GROUP}/operator-ca`]: 'true' }, ...(kept.length ? { annotations: Object.fromEntries(kept) } : {}) },
      type: 'kubernetes.io/tls',
      stringData,
    };
    try {
      await this.kube.core.createNamespacedSecret({ namespace: this.namespace, body });
      return { ...made, resourceVersion: undefined, uid: undefined };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Another replica (or an earlier run) made it first: its CA is the one.
      const winner = await this.read();
      if (!winner) throw new Error(`CA Secret ${this.namespace}/${this.secretName} exists but could not be read`, { cause: err });
      return winner;
    }
  }

  private async read(): Promise<CaSecretState | undefined> {
    let secret: k8s.V1Secret;
    try {
      secret = await this.kube.core.readNamespacedSecret({ name: this.secretName, namespace: this.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const state = parseCaSecret(secret);
    if ('problem' in state) throw new Error(`CA Secret ${this.namespace}/${this.secretName} ${state.problem}; delete it to have a new CA made`);
    return state;
  }
}

/** One OperatorCa per set of clients: both in-cluster backends and the CA rotation share its reads. */
const shared = new WeakMap<KubeClients, Map<string, OperatorCa>>();

/** The CA of the in-cluster backends (both read the same Secret through the same object). */
export function operatorCa(deps: Pick<BackendDeps, 'kube' | 'config'>): OperatorCa {
  const namespace = operatorNamespace(deps.config.tls);
  const key = `${namespace}/${deps.config.tls.ca_secret}`;
  const byName = shared.get(deps.kube) ?? new Map<string, OperatorCa>();
  shared.set(deps.kube, byName);
  const ca = byName.get(key) ?? new OperatorCa(deps.kube, namespace, deps.config.tls.ca_secret);
  byName.set(key, ca);
  return ca;
}
