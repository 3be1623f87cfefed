import { RdsFault } from './params.js';
import { advance, statusOf } from './state.js';
import type { ClusterRecord, Delays, InstanceRecord, PendingValues, Resource } from './state.js';

export const ACCOUNT = '123456789012';

/** Engine → full versions RDS "offers"; the last one listed per major is that major's default. */
export type EngineCatalog = Record<string, string[]>;

export const DEFAULT_CATALOG: EngineCatalog = {
  postgres: ['13.20', '14.17', '15.11', '15.12', '16.7', '16.8', '17.3', '17.4'],
  'aurora-postgresql': ['13.20', '14.17', '15.12', '16.6', '16.8', '17.4'],
};

/** Where an instance says it listens (its `Endpoint`), e.g. a real test PostgreSQL. */
export type EndpointFor = (instanceId: string) => { address: string; port: number };

/** The master user of an instance, as RDS sets it up inside the database engine. */
export interface MasterUser {
  id: string;
  username: string;
  password: string;
}

/**
 * What RDS does inside the database engine, for tests that mirror it into a real PostgreSQL.
 * The API answers wait for a hook's promise, so a client never sees an instance `available`
 * before its engine caught up.
 */
export interface EngineHooks {
  /** A standalone instance finished creating: RDS has made its master user. */
  instanceCreated?(master: MasterUser): void | Promise<void>;
  /** A new master password (ModifyDBInstance) took effect. */
  masterPasswordChanged?(master: MasterUser): void | Promise<void>;
}

/** The emulator's world: instances, clusters, snapshots and time. */
export class RdsModel {
  readonly instances = new Map<string, InstanceRecord>();
  readonly clusters = new Map<string, ClusterRecord>();
  readonly snapshots = new Set<string>();
  readonly clusterSnapshots = new Set<string>();
  hooks: EngineHooks = {};
  endpointFor?: EndpointFor;
  /** Errors thrown by engine hooks; once there is one, every API call fails with it. */
  readonly hookErrors: Error[] = [];
  private readonly effects = new Set<Promise<void>>();

  constructor(
    readonly region: string,
    public delays: Delays,
    public catalog: EngineCatalog,
  ) {}

  /** Completes what is due now (everything with `force`). */
  tick(force = false): void {
    const now = Date.now();
    for (const r of [...this.instances.values(), ...this.clusters.values()]) advance(r, now, force);
  }

  arn(kind: 'db' | 'cluster', id: string): string {
    return `arn:aws:rds:${this.region}:${ACCOUNT}:${kind}:${id}`;
  }

  host(id: string, cluster = false): string {
    return `${id}.${cluster ? 'cluster-' : ''}c0ffee123456.${this.region}.rds.amazonaws.com`;
  }

  /** An instance's `Endpoint` address and port. */
  instanceEndpoint(id: string): { Address: string; Port: number } {
    const custom = this.endpointFor?.(id);
    return custom ? { Address: custom.address, Port: custom.port } : { Address: this.host(id), Port: 5432 };
  }

  /** Runs an engine hook for an instance's master user (when it has one and the hook is set). */
  engineHook(name: keyof EngineHooks, r: InstanceRecord): void {
    const hook = this.hooks[name];
    if (!hook || !r.masterUsername || r.masterPassword === undefined) return;
    const master: MasterUser = { id: r.id, username: r.masterUsername, password: r.masterPassword };
    const done: Promise<void> = Promise.resolve()
      .then(() => hook(master))
      .catch((err: unknown) => {
        this.hookErrors.push(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => this.effects.delete(done));
    this.effects.add(done);
  }

  /** Waits for the engine hooks under way; fails when one ever failed. */
  async engineSettled(): Promise<void> {
    await Promise.all([...this.effects]);
    const failed = this.hookErrors[0];
    if (failed) throw new RdsFault('InternalFailure', `engine hook failed: ${failed.message}`, 500);
  }

  instance(id: string | undefined): InstanceRecord {
    const found = id ? this.instances.get(id.toLowerCase()) : undefined;
    if (!found) throw new RdsFault('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
    return found;
  }

  cluster(id: string | undefined): ClusterRecord {
    const found = id ? this.clusters.get(id.toLowerCase()) : undefined;
    if (!found) throw new RdsFault('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
    return found;
  }

  /** The full version to use for `requested` (a major or a full version) of `engine`. */
  version(engine: string, requested: string | undefined): string {
    const offered = this.catalog[engine] ?? [];
    if (!requested) {
      const newest = offered[offered.length - 1];
      if (!newest) throw new RdsFault('InvalidParameterCombination', `Cannot find engine ${engine}`);
      return newest;
    }
    if (offered.includes(requested)) return requested;
    const byMajor = offered.filter((v) => v.split('.')[0] === requested);
    const last = byMajor[byMajor.length - 1];
    if (!last) throw new RdsFault('InvalidParameterCombination', `Cannot find version ${requested} for ${engine}`);
    return last;
  }

  /** Starts an operation: `status` until the delay passes, then `run`. */
  schedule(r: Resource, status: string, delayMs: number, run: () => void): void {
    const last = r.transitions[r.transitions.length - 1];
    const at = Math.max(Date.now() + delayMs, last?.at ?? 0);
    r.transitions.push({ status, at, run });
  }

  /** Throws InvalidDBInstanceState unless the instance may be changed now. */
  requireModifiable(r: InstanceRecord): void {
    const status = statusOf(r);
    if (status === 'creating' || status === 'deleting') {
      throw new RdsFault('InvalidDBInstanceState', `Database instance is not in available state (it is ${status}).`);
    }
  }

  requireClusterModifiable(r: ClusterRecord): void {
    const status = statusOf(r);
    if (status === 'creating' || status === 'deleting') {
      throw new RdsFault('InvalidDBClusterStateFault', `DBCluster ${r.id} is not in available state (it is ${status}).`);
    }
  }
}

/** Moves `values` to `pending`; `apply` gets them when the modification (status `modifying`) completes. */
export function stage(model: RdsModel, r: Resource, values: PendingValues, apply: (v: PendingValues) => void): void {
  if (Object.keys(values).length === 0) return;
  Object.assign(r.pending, values);
  model.schedule(r, 'modifying', model.delays.modify, () => {
    apply(r.pending);
    r.pending = {};
  });
}
