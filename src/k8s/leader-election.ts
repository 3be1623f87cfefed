import { V1MicroTime } from './kubernetes-client.js';
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound } from './clients.js';

/** Wall-clock milliseconds; injectable so tests can let a lease expire without waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface LeaderElectionOptions {
  coordination: CoordinationV1Api;
  /** Namespace of the Lease: the operator's own namespace. */
  namespace: string;
  /** Name of the Lease, shared by all replicas of one installation. */
  leaseName: string;
  /** This replica's identity, unique among replicas (the pod name). */
  identity: string;
  /**
   * How long others wait after the last renewal they observed before taking over. Written into the
   * Lease in whole seconds.
   */
  leaseDurationMs: number;
  /** The leader gives up (stops reconciling) when it could not renew for this long; < leaseDurationMs. */
  renewDeadlineMs: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs: number;
  /** Called when this replica becomes leader: start reconciling. */
  onStartedLeading: () => void;
  /** Called at once when leadership ends (lost, or released by stop()): stop reconciling. */
  onStoppedLeading: () => void;
  /** Called when the observed holder changes (including to this replica). */
  onNewLeader?: (identity: string) => void;
  clock?: Clock;
  logger?: Logger;
}

/** The lease as this replica last saw it, and when (by its own clock) it saw it change. */
interface Observation {
  resourceVersion: string;
  holder: string;
  leaseDurationMs: number;
  observedAt: number;
}

/**
 * Lease-based leader election on `coordination.k8s.io/v1`, the protocol of client-go's
 * leaderelection package, so it interoperates with its tooling:
 * - a candidate takes the Lease when nobody holds it, or when the holder's record has not changed
 *   for the holder's `leaseDurationSeconds` as measured on the candidate's own clock (so clock skew
 *   between nodes does not matter);
 * - every write carries the `resourceVersion` read just before, so of two racing candidates exactly
 *   one wins (the other gets 409 Conflict);
 * - the leader renews every retry period and steps down at once when it sees another holder, or
 *   when it could not renew for `renewDeadlineMs`, which is shorter than the lease duration: it has
 *   stopped before anyone else may start;
 * - `stop()` releases the lease (no holder, 1 s duration) so a successor takes over at once.
 */
export class LeaderElector {
  private readonly clock: Clock;
  private leading = false;
  private stopped = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The API's lease names this replica (may briefly differ from `leading` while stopping). */
  private holding = false;
  private running: Promise<void> = Promise.resolve();
  private observed: Observation | undefined;
  private lastRenew = 0;
  private lastHolder: string | undefined;
  /** Counts attempts; an answer arriving after its attempt timed out no longer counts. */
  private attempt = 0;
  /** Real-time bound of one attempt: a leader that last renewed at T steps down by T + renewDeadline. */
  private readonly attemptTimeoutMs: number;

  constructor(private readonly opts: LeaderElectionOptions) {
    if (opts.renewDeadlineMs >= opts.leaseDurationMs) {
      throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    }
    if (opts.retryPeriodMs >= opts.renewDeadlineMs) {
      throw new Error('leader election: retryPeriod must be shorter than renewDeadline');
    }
    this.clock = opts.clock ?? systemClock;
    this.attemptTimeoutMs = opts.renewDeadlineMs - opts.retryPeriodMs;
  }

  /** True while this replica holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** Starts competing for the lease; returns at once (the first attempt runs immediately). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Stops competing: waits for an attempt in flight, calls onStoppedLeading when leading, then
   * releases the lease (so another replica takes over without waiting for it to expire). Call it
   * after the reconcilers have drained: a successor may start the moment this resolves.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.stepDown('stopped');
    if (!this.holding) return;
    this.holding = false;
    try {
      await withTimeout(this.release(), this.attemptTimeoutMs, undefined);
    } catch (err) {
      this.opts.logger?.warn({ err }, 'leader election: releasing the lease failed; it expires on its own');
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        const base = this.opts.retryPeriodMs;
        // Candidates jitter so they do not hit the API server in lockstep; the leader renews on time.
        this.schedule(this.leading ? base : base * (1 + Math.random() * 0.2));
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const token = ++this.attempt;
    let renewed = false;
    try {
      // A request that hangs (packets dropped) must not keep a leader leading past its deadline.
      renewed = await withTimeout(this.tryAcquireOrRenew(token), this.attemptTimeoutMs, false);
    } catch (err) {
      this.opts.logger?.debug({ err }, 'leader election: attempt failed');
    } finally {
      this.attempt++; // a late answer to this attempt is ignored
    }
    if (this.stopped || !this.leading) return;
    if (!renewed && this.clock.now() - this.lastRenew >= this.opts.renewDeadlineMs) {
      this.stepDown('could not renew the lease within the renew deadline');
    }
  }

  /** One attempt; true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(token: number): Promise<boolean> {
    const { coordination, namespace, leaseName: name } = this.opts;
    let lease: V1Lease;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return this.create(token);
    }
    if (this.stopped) return false;
    const now = this.clock.now();
    const holder = lease.spec?.holderIdentity ?? '';
    this.observe(lease, holder, now);
    if (holder && holder !== this.opts.identity) {
      // Someone else holds it: the leader has lost it for sure, a candidate waits for expiry.
      this.holding = false;
      this.stepDown(`lease taken over by ${holder}`);
      const obs = this.observed!;
      if (obs.observedAt + obs.leaseDurationMs > now) return false;
    }
    return this.update(lease, holder, now, token);
  }

  private observe(lease: V1Lease, holder: string, now: number): void {
    const resourceVersion = lease.metadata?.resourceVersion ?? '';
    if (this.observed?.resourceVersion === resourceVersion) return;
    const seconds = lease.spec?.leaseDurationSeconds;
    this.observed = {
      resourceVersion,
      holder,
      leaseDurationMs: seconds ? seconds * 1000 : this.opts.leaseDurationMs,
      observedAt: now,
    };
    this.noteHolder(holder);
  }

  private spec(now: number, acquireTime: Date, transitions: number): V1Lease['spec'] {
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
      acquireTime: new V1MicroTime(acquireTime.getTime()),
      renewTime: new V1MicroTime(now),
      leaseTransitions: transitions,
    };
  }

  private async create(token: number): Promise<boolean> {
    const { coordination, namespace, leaseName: name } = this.opts;
    const now = this.clock.now();
    try {
      await coordination.createNamespacedLease({
        namespace,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: this.spec(now, new Date(now), 0) },
      });
    } catch (err) {
      if (isAlreadyExists(err)) return false;
      throw err;
    }
    return this.won(now, token);
  }

  private async update(lease: V1Lease, holder: string, now: number, token: number): Promise<boolean> {
    const mine = holder === this.opts.identity;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const acquired = mine && lease.spec?.acquireTime ? new Date(lease.spec.acquireTime) : new Date(now);
    const body: V1Lease = { ...lease, spec: this.spec(now, acquired, transitions) };
    try {
      await this.opts.coordination.replaceNamespacedLease({ name: this.opts.leaseName, namespace: this.opts.namespace, body });
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    return this.won(now, token);
  }

  private won(now: number, token: number): boolean {
    this.holding = true;
    if (this.stopped || token !== this.attempt) return false;
    this.lastRenew = now;
    this.noteHolder(this.opts.identity);
    if (!this.leading) {
      this.leading = true;
      this.opts.logger?.info({ lease: this.opts.leaseName }, 'leader election: became leader');
      this.opts.onStartedLeading();
    }
    return true;
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.opts.logger?.warn({ lease: this.opts.leaseName, reason: why }, 'leader election: no longer leader');
    this.opts.onStoppedLeading();
  }

  private noteHolder(holder: string): void {
    if (!holder || holder === this.lastHolder) return;
    this.lastHolder = holder;
    this.opts.onNewLeader?.(holder);
  }

  /** Hands the lease back: no holder and a 1 s duration, so any candidate takes it at its next try. */
  private async release(): Promise<void> {
    const { coordination, namespace, leaseName: name, identity } = this.opts;
    const lease = await coordination.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identity) return;
    const now = new V1MicroTime(this.clock.now());
    const body: V1Lease = {
      ...lease,
      spec: { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec.leaseTransitions ?? 0 },
    };
    await coordination.replaceNamespacedLease({ name, namespace, body });
  }
}

/** The promise's value, or `fallback` when it has not settled within `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
