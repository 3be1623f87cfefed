import { Reason } from '../api/conditions.js';
import { PermanentError } from './errors.js';
import type { BackendDeps, BackendFactory, ServerBackend } from './types.js';

/**
 * Backend name → factory, loaded lazily: a cloud SDK is only imported when its backend is used
 * (start-up time and memory). The only shared file a new backend touches.
 */
const factories: Record<string, () => Promise<BackendFactory>> = {
  statefulset: async () => (await import('./statefulset/index.js')).createStatefulSetBackend,
  helmbitnami: async () => (await import('./helm-bitnami/index.js')).createHelmBitnamiBackend,
  azurepostgresflexible: async () => (await import('./azure-flexible/index.js')).createAzureFlexibleBackend,
  awsrds: async () => (await import('./aws-rds/index.js')).createAwsRdsBackend,
  awsaurora: async () => (await import('./aws-rds/index.js')).createAwsAuroraBackend,
  external: async () => (await import('./external/index.js')).createExternalBackend,
};

export const BACKEND_NAMES = Object.keys(factories);

export class BackendRegistry {
  private readonly instances = new Map<string, Promise<ServerBackend>>();

  constructor(
    private readonly deps: BackendDeps,
    private readonly overrides: Partial<Record<string, BackendFactory>> = {},
  ) {}

  /** One instance per backend for the process: clients and pools are built once, not per reconcile. */
  get(name: string): Promise<ServerBackend> {
    let instance = this.instances.get(name);
    if (!instance) {
      instance = this.load(name);
      this.instances.set(name, instance);
      instance.catch(() => this.instances.delete(name));
    }
    return instance;
  }

  /** Whether `name` is a backend this operator has (a pinned name it lacks can have created nothing). */
  has(name: string): boolean {
    return name in factories || this.overrides[name] !== undefined;
  }

  async closeAll(): Promise<void> {
    const all = await Promise.allSettled(this.instances.values());
    await Promise.allSettled(all.map((r) => (r.status === 'fulfilled' ? r.value.close?.() : undefined)));
  }

  private async load(name: string): Promise<ServerBackend> {
    const override = this.overrides[name];
    if (override) return override(this.deps);
    const load = factories[name];
    if (!load) throw new PermanentError(`backend "${name}" does not exist; known backends: ${BACKEND_NAMES.join(', ')}`, Reason.BackendNotAllowed);
    const factory = await load();
    return factory(this.deps);
  }
}
