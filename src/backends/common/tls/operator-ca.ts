import type * as k8s from '@kubernetes/client-node';
import { isAlreadyExists, isNotFound, type KubeClients } from '../../../k8s/clients.js';
import { GROUP } from '../../../api/constants.js';
import type { BackendDeps } from '../../types.js';
import { createCa, type KeyPairPem } from './certificates.js';
import { operatorNamespace } from './namespace.js';

const CA_CERT_KEY = 'tls.crt';
const CA_KEY_KEY = 'tls.key';
const CA_COMMON_NAME = 'hybrid-cloud-postgresql-operator CA';

/**
 * The operator's CA, made once and kept in a Secret of fixed name in the operator's namespace.
 * Replicas and restarts race to make it: each creates the Secret with its own new CA and, on 409,
 * reads the winner's; every process then uses the one stored. Read once per process (it lasts
 * ten years); a failed read is retried on the next call.
 */
export class OperatorCa {
  private loading?: Promise<KeyPairPem>;
  private loaded?: KeyPairPem;

  constructor(
    private readonly kube: KubeClients,
    private readonly namespace: string,
    private readonly secretName: string,
  ) {}

  /** The CA, from memory, the Secret, or made now. */
  get(): Promise<KeyPairPem> {
    if (this.loaded) return Promise.resolve(this.loaded);
    if (!this.loading) {
      this.loading = this.load().then(
        (ca) => (this.loaded = ca),
        (err: unknown) => {
          this.loading = undefined;
          throw err;
        },
      );
    }
    return this.loading;
  }

  /** The CA certificate when already loaded (what adminConnection, a synchronous call, can use). */
  certificateIfLoaded(): string | undefined {
    return this.loaded?.certPem;
  }

  private async load(): Promise<KeyPairPem> {
    const existing = await this.read();
    if (existing) return existing;
    const ca = createCa(CA_COMMON_NAME);
    const body: k8s.V1Secret = {
      metadata: { name: this.secretName, namespace: this.namespace, labels: { [`${GROUP}/operator-ca`]: 'true' } },
      type: 'kubernetes.io/tls',
      stringData: { [CA_CERT_KEY]: ca.certPem, [CA_KEY_KEY]: ca.keyPem },
    };
    try {
      await this.kube.core.createNamespacedSecret({ namespace: this.namespace, body });
      return ca;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Another replica (or an earlier run) made it first: its CA is the one.
      const winner = await this.read();
      if (!winner) throw new Error(`CA Secret ${this.namespace}/${this.secretName} exists but could not be read`, { cause: err });
      return winner;
    }
  }

  private async read(): Promise<KeyPairPem | undefined> {
    let secret: k8s.V1Secret;
    try {
      secret = await this.kube.core.readNamespacedSecret({ name: this.secretName, namespace: this.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const certPem = decode(secret.data?.[CA_CERT_KEY]);
    const keyPem = decode(secret.data?.[CA_KEY_KEY]);
    if (!certPem || !keyPem) throw new Error(`CA Secret ${this.namespace}/${this.secretName} lacks ${CA_CERT_KEY} or ${CA_KEY_KEY}; delete it to have a new CA made`);
    return { certPem, keyPem };
  }
}

function decode(value: string | undefined): string | undefined {
  return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

/** The CA of the in-cluster backends (both read the same Secret, each once). */
export function operatorCa(deps: BackendDeps): OperatorCa {
  return new OperatorCa(deps.kube, operatorNamespace(deps.config.tls), deps.config.tls.ca_secret);
}
