import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { kubeConfigForUrl } from '../../../src/k8s/clients.js';
import { Authorizer, type Denial } from './authorization.js';
import { builtinTypes } from './builtin-types.js';
import type { Ctx } from './context.js';
import { CORE_NAMESPACES } from './context.js';
import { CRD_KEY, crdSweep, syncServedTypes } from './crd-controller.js';
import { GcWork } from './gc.js';
import { ListPages } from './list-pages.js';
import { namespaceSweep } from './namespace-controller.js';
import { createObject } from './operations.js';
import { TypeRegistry } from './registry.js';
import { requestListener } from './server.js';
import { ObjectStore } from './store.js';
import { Sweeper } from './sweeper.js';
import type { KubeObject } from './types.js';
import { isRecord } from './types.js';
import { WatchHub, type EventType } from './watch-hub.js';

export interface FakeApiServer {
  /** http://127.0.0.1:<random port> */
  url: string;
  /** A client-node KubeConfig pointing at this server, with `namespace` (default "default") as the context's. */
  /** A KubeConfig for this server; `client` becomes the bearer token, for requestCountsFor. */
  kubeConfig(namespace?: string, client?: string): KubeConfig;
  /** Stops the server, its controllers and all open watches. */
  close(): Promise<void>;
  /**
   * Simulates etcd compaction plus an API server restart: the history is dropped and the revision
   * moves on, so every resourceVersion a client holds is now too old; open watches are ended, and
   * the clients' re-watches get a 410 Expired ERROR event (client-node informers then relist).
   */
  compact(): void;
  /** Requests by "VERB resource[/subresource]", e.g. "PATCH postgresqlservers/status", "LIST secrets". */
  requestCounts(): Record<string, number>;
  /** The same counts for the requests of one client (see kubeConfig). */
  requestCountsFor(client: string): Record<string, number>;
  resetCounts(): void;
  /**
   * Calls `listener` with every committed change, in order, in this process: what a watch on
   * everything would stream, without serialising it to a socket (for measuring instruments that
   * must not load the system they measure). The objects are the stored ones: frozen. Returns the
   * unsubscribe function.
   */
  onChange(listener: (change: { type: EventType; object: KubeObject }) => void): () => void;
  /**
   * Takes permissions away (every client may do everything until then): matching requests get the
   * real API's 403 Forbidden, and SelfSubjectAccessReviews answer `allowed: false` for them.
   */
  deny(...denials: Denial[]): void;
  /** Drops every denial. */
  allowAll(): void;
  /**
   * Holds the garbage collector back until the returned function is called: the real one runs
   * asynchronously and can lag seconds behind a delete, so clients must cope with dependents that
   * outlive their owner for a while.
   */
  holdGarbageCollector(): () => void;
}

export type { Denial } from './authorization.js';

export interface FakeApiServerOptions {
  /** CRD YAML files (multi-document allowed; non-CRD documents are ignored) registered at start. */
  crdFiles?: string[];
  /** How often watches that asked for bookmarks get one (default 60000 ms, as a real API server). */
  bookmarkIntervalMs?: number;
  /** How many events the watch history keeps (default 10000); older resourceVersions get 410. */
  historyLimit?: number;
  /** Permissions the clients lack from the start (see FakeApiServer.deny). */
  denials?: Denial[];
}

const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Requests that POST but store nothing: the operator's permission checks at start. */
const QUESTIONS = new Set(['POST selfsubjectaccessreviews']);

/** Sum of the write requests in a requestCounts() result (for "no writes happened" assertions). */
export function countWrites(counts: Record<string, number>): number {
  return Object.entries(counts).filter(([k]) => WRITE_VERBS.includes(k.split(' ')[0] ?? '') && !QUESTIONS.has(k)).reduce((n, [, v]) => n + v, 0);
}

async function loadCrds(ctx: Ctx, files: string[]): Promise<void> {
  const crdType = ctx.registry.byKey(CRD_KEY);
  if (!crdType) return;
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const obj = doc.toJS() as unknown;
      if (isRecord(obj) && obj.kind === 'CustomResourceDefinition') {
        const { status: _ignored, ...crd } = obj as KubeObject;
        createObject(ctx, crdType, 'v1', undefined, crd);
      }
    }
  }
}

/**
 * A local Kubernetes API server for tests: core/v1, apps/v1 StatefulSets, Leases, Events, CRDs and
 * their custom resources, with the real API's semantics for resourceVersions, conflicts, status
 * subresources, finalizers, garbage collection and watches. What it simplifies is listed in
 * README.md beside this file.
 */
export async function startFakeApiServer(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const hub = new WatchHub(opts.historyLimit ?? 10000);
  const registry = new TypeRegistry();
  for (const t of builtinTypes()) registry.add(t);
  const ctx: Ctx = { hub, registry, store: new ObjectStore(hub), pages: new ListPages() };
  const gcWork = new GcWork();
  const garbageCollector = new Sweeper('garbage collector', () => gcWork.run(ctx));
  const sweepers = [garbageCollector, new Sweeper('namespace controller', () => namespaceSweep(ctx)), new Sweeper('CRD controller', () => crdSweep(ctx))];
  hub.listen((ev) => {
    syncServedTypes(ctx, ev);
    gcWork.note(ev);
    for (const s of sweepers) s.poke();
  });
  const nsType = registry.byKey('/namespaces');
  for (const name of CORE_NAMESPACES) if (nsType) createObject(ctx, nsType, 'v1', undefined, { metadata: { name } });
  await loadCrds(ctx, opts.crdFiles ?? []);
  // CRDs from files are Established before the first client looks.
  crdSweep(ctx);

  const counts = new Map<string, number>();
  const byClient = new Map<string, Map<string, number>>();
  const authorizer = new Authorizer();
  authorizer.deny(...(opts.denials ?? []));
  const server = createServer(requestListener(ctx, { bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000 }, counts, byClient, authorizer));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    kubeConfig: (namespace, client) => kubeConfigForUrl(url, namespace, client),
    compact: () => {
      hub.compact(ctx.store.bumpRv());
      hub.endStreams();
    },
    requestCounts: () => Object.fromEntries(counts),
    requestCountsFor: (client) => Object.fromEntries(byClient.get(client) ?? []),
    resetCounts: () => {
      counts.clear();
      byClient.clear();
    },
    onChange: (listener) => hub.listen((ev) => listener({ type: ev.type, object: ev.object })),
    deny: (...denials) => authorizer.deny(...denials),
    allowAll: () => authorizer.allowAll(),
    holdGarbageCollector: () => {
      garbageCollector.hold();
      return () => garbageCollector.release();
    },
    close: async () => {
      for (const s of sweepers) s.stop();
      hub.endStreams();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
