/**
 * Lease-based leader election against the fake Kubernetes API server. Every elector talks to it
 * through its own TCP proxy, so a test can cut one replica off (a crash or a network partition)
 * while the others keep running. The clock is shared and moved by hand: leases expire when the
 * test says so, not after real seconds, and only the retry period (20 ms) is real time.
 */
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CoordinationV1Api, CoreV1Api, V1MicroTime } from '@kubernetes/client-node';
import { startFakeApiServer } from '../support/fake-apiserver/index.js';
import type { FakeApiServer } from '../support/fake-apiserver/index.js';
import { kubeConfigForUrl } from '../../src/k8s/clients.js';
import { LeaderElector } from '../../src/k8s/leader-election.js';
import type { Clock } from '../../src/k8s/leader-election.js';

const NAMESPACE = 'ops';
const LEASE = 'hybrid-cloud-postgresql-operator';
const LEASE_MS = 15_000;
const RENEW_DEADLINE_MS = 10_000;
const RETRY_MS = 20;

class ManualClock implements Clock {
  private t = Date.UTC(2030, 0, 1);
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * A TCP proxy to the API server that can be cut (open connections die, new ones are refused) or
 * turned into a black hole (connections stay open, nothing gets through: requests hang).
 */
interface Proxy {
  url: string;
  cut(): Promise<void>;
  blackhole(): void;
}

async function startProxy(target: string): Promise<Proxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let swallowing = false;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    if (swallowing) return client.resume(); // read and drop everything, never answer
    const upstream = connect(Number(port), hostname);
    track(upstream);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    for (const s of pair) {
      s.on('close', () => pairs.delete(pair));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
    blackhole: () => {
      swallowing = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.resume();
        upstream.resume();
      }
    },
  };
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('LeaderElector', () => {
  let api: FakeApiServer;
  let clock: ManualClock;
  let admin: CoordinationV1Api;
  let log: string[];
  const electors: LeaderElector[] = [];
  const proxies: Proxy[] = [];

  beforeEach(async () => {
    api = await startFakeApiServer();
    await api.kubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
    admin = api.kubeConfig(NAMESPACE).makeApiClient(CoordinationV1Api);
    clock = new ManualClock();
    log = [];
  });

  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
    await Promise.all(proxies.splice(0).map((p) => p.cut()));
    await api.close();
  });

  /** An elector named `identity`, started, with its own proxy; callbacks are logged in order. */
  async function elector(
    identity: string,
    timings = { leaseDurationMs: LEASE_MS, renewDeadlineMs: RENEW_DEADLINE_MS, retryPeriodMs: RETRY_MS },
  ): Promise<{ elector: LeaderElector; proxy: Proxy; leaders: string[] }> {
    const proxy = await startProxy(api.url);
    proxies.push(proxy);
    const leaders: string[] = [];
    const e = new LeaderElector({
      coordination: kubeConfigForUrl(proxy.url, NAMESPACE).makeApiClient(CoordinationV1Api),
      namespace: NAMESPACE,
      leaseName: LEASE,
      identity,
      ...timings,
      clock,
      onStartedLeading: () => log.push(`${identity} started`),
      onStoppedLeading: () => log.push(`${identity} stopped`),
      onNewLeader: (holder) => leaders.push(holder),
    });
    electors.push(e);
    e.start();
    return { elector: e, proxy, leaders };
  }

  const readLease = () => admin.readNamespacedLease({ name: LEASE, namespace: NAMESPACE });

  it('makes exactly one of two replicas leader, and the Lease names it', async () => {
    const a = await elector('pod-a');
    await waitFor('pod-a leads', () => a.elector.isLeader());
    const b = await elector('pod-b');
    await waitFor('pod-b sees pod-a holding the lease', () => b.leaders.includes('pod-a'));

    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(log).toEqual(['pod-a started']);
    const lease = await readLease();
    expect(lease.spec).toMatchObject({ holderIdentity: 'pod-a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    // The leader keeps renewing: a second later the Lease carries the new renewTime.
    clock.advance(1_000);
    await waitFor('pod-a renews', async () => new Date((await readLease()).spec!.renewTime!).getTime() === clock.now());
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
  });

  it('lets exactly one of several racing candidates win a lease that does not exist yet', async () => {
    const all = await Promise.all(['pod-1', 'pod-2', 'pod-3', 'pod-4'].map((id) => elector(id)));
    await waitFor('every candidate sees a leader', () => all.every((c) => c.leaders.length > 0));
    const holder = (await readLease()).spec?.holderIdentity;
    expect(all.filter((c) => c.elector.isLeader()).map((c) => c.elector)).toHaveLength(1);
    expect(all.find((c) => c.elector.isLeader())?.leaders).toContain(holder);
    expect(log).toEqual([`${holder} started`]);
  });

  it('fails over when the leader stops renewing: it steps down at the renew deadline, the other takes over after the lease expires', async () => {
    const a = await elector('pod-a');
    await waitFor('pod-a leads', () => a.elector.isLeader());
    const b = await elector('pod-b');
    await waitFor('pod-b sees pod-a holding the lease', () => b.leaders.includes('pod-a'));

    await a.proxy.cut(); // pod-a can no longer reach the API server
    clock.advance(RENEW_DEADLINE_MS);
    await waitFor('pod-a steps down', () => !a.elector.isLeader());
    expect(log).toEqual(['pod-a started', 'pod-a stopped']);
    // The lease has not expired yet for pod-b: nobody leads for the rest of the lease duration.
    expect(b.elector.isLeader()).toBe(false);

    clock.advance(LEASE_MS + 1_000);
    await waitFor('pod-b leads', () => b.elector.isLeader());
    expect(log).toEqual(['pod-a started', 'pod-a stopped', 'pod-b started']);
    expect((await readLease()).spec).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 1 });
  });

  it('steps down at the renew deadline even when its requests hang instead of failing', async () => {
    // Short timings: a hanging request is cut off after renewDeadline - retryPeriod of real time.
    const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 400, retryPeriodMs: RETRY_MS };
    const a = await elector('pod-a', timings);
    await waitFor('pod-a leads', () => a.elector.isLeader());
    a.proxy.blackhole();
    clock.advance(timings.renewDeadlineMs);
    await waitFor('pod-a steps down', () => !a.elector.isLeader());
    expect(log).toEqual(['pod-a started', 'pod-a stopped']);
  });

  it('releases the lease on stop(), so the standby takes over at once without waiting for expiry', async () => {
    const a = await elector('pod-a');
    await waitFor('pod-a leads', () => a.elector.isLeader());
    const b = await elector('pod-b');
    await waitFor('pod-b sees pod-a holding the lease', () => b.leaders.includes('pod-a'));

    await a.elector.stop();
    expect(log).toEqual(['pod-a started', 'pod-a stopped']);
    expect(a.elector.isLeader()).toBe(false);
    // The clock stands still: only the release lets pod-b in.
    await waitFor('pod-b leads', () => b.elector.isLeader());
    expect(log).toEqual(['pod-a started', 'pod-a stopped', 'pod-b started']);
    const lease = await readLease();
    expect(lease.spec?.holderIdentity).toBe('pod-b');
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  it('steps down at once when it sees another holder in the lease', async () => {
    const a = await elector('pod-a');
    await waitFor('pod-a leads', () => a.elector.isLeader());
    // Someone else writes the lease (say, after a long pause of pod-a's process).
    await waitFor('the lease is taken over', async () => {
      const lease = await readLease();
      const now = new V1MicroTime(clock.now());
      try {
        await admin.replaceNamespacedLease({
          name: LEASE,
          namespace: NAMESPACE,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: 'pod-z', renewTime: now, acquireTime: now } },
        });
        return true;
      } catch {
        return false; // pod-a renewed in between (409): read again
      }
    });
    await waitFor('pod-a steps down', () => !a.elector.isLeader());
    expect(log).toEqual(['pod-a started', 'pod-a stopped']);
    expect(a.leaders).toEqual(['pod-a', 'pod-z']);
    expect((await readLease()).spec?.holderIdentity).toBe('pod-z');
  });

  it('does not release a lease another replica holds when it stops', async () => {
    const a = await elector('pod-a');
    await waitFor('pod-a leads', () => a.elector.isLeader());
    const b = await elector('pod-b');
    await waitFor('pod-b sees pod-a holding the lease', () => b.leaders.includes('pod-a'));
    await b.elector.stop();
    expect(log).toEqual(['pod-a started']);
    expect((await readLease()).spec?.holderIdentity).toBe('pod-a');
    expect(a.elector.isLeader()).toBe(true);
  });

  it('refuses timings that would let two replicas lead at once', () => {
    const coordination = api.kubeConfig(NAMESPACE).makeApiClient(CoordinationV1Api);
    const base = { coordination, namespace: NAMESPACE, leaseName: LEASE, identity: 'x', onStartedLeading: () => {}, onStoppedLeading: () => {} };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 })).toThrow(/renewDeadline/);
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(/retryPeriod/);
  });
});
