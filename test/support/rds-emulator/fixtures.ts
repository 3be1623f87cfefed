import { expect } from '@jest/globals';
import { pino } from 'pino';
import type { ServerSpec } from '../../../src/api/types.js';
import type { ServerBackend, ServerContext } from '../../../src/backends/types.js';
import type { RdsEmulator } from './index.js';

/** Static test credentials: the emulator ignores signatures but records the key id. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator-secret' };

export const silentLog = pino({ level: 'silent' });

/** Options shared by the AWS backend tests: emulator endpoint, static credentials, tiny polls. */
export function backendOptions(emulator: RdsEmulator, section: Record<string, unknown>) {
  return {
    section: { region: emulator.region, endpoint: emulator.url, ...section },
    log: silentLog,
    clientConfig: { credentials: TEST_CREDENTIALS, maxAttempts: 1 },
    poll: { firstSeconds: 15, maxSeconds: 120, factor: 2 },
    throttleRetrySeconds: 20,
    passwordSettleSeconds: 60,
  };
}

/** A ServerContext as the server handler builds it (validate first: its answer goes into `resolved`). */
export function serverContext(backend: ServerBackend, name: string, spec: ServerSpec, adminPassword = 'initialPassword123'): ServerContext {
  const namespace = 'default';
  const validation = backend.validate(spec, { namespace, name });
  if (!validation.ok) throw new Error(`invalid spec: ${validation.problems.map((p) => p.message).join('; ')}`);
  return {
    namespace,
    name,
    uid: `uid-${name}`,
    generation: 1,
    spec,
    resolved: validation.resolved,
    adminPassword,
    adminSecret: { name: `${name}-admin`, passwordKey: 'password' },
    owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name, uid: `uid-${name}`, controller: true },
    labels: {},
    state: {},
  };
}

/** The context of the next reconcile: a changed spec re-validated, the state the backend returned kept. */
export function nextContext(backend: ServerBackend, ctx: ServerContext, changes: { spec?: ServerSpec; state?: Record<string, unknown> | undefined }): ServerContext {
  const spec = changes.spec ?? ctx.spec;
  const validation = backend.validate(spec, { namespace: ctx.namespace, name: ctx.name });
  if (!validation.ok) throw new Error(`invalid spec: ${validation.problems.map((p) => p.message).join('; ')}`);
  return { ...ctx, spec, resolved: validation.resolved, state: changes.state ?? ctx.state };
}

export function spec(overrides: Partial<ServerSpec> = {}): ServerSpec {
  return { size: { storageGB: 20 }, credentialsSecret: 'db-credentials', ...overrides };
}

/** Creates a server and lets the emulator finish it; answers the context of the next reconcile. */
export async function createReady(emulator: RdsEmulator, b: ServerBackend, name: string, s: ServerSpec = spec()): Promise<ServerContext> {
  let ctx = serverContext(b, name, s);
  const created = await b.create(ctx);
  ctx = nextContext(b, ctx, { state: created.state });
  emulator.settle();
  const seen = await b.observe(ctx);
  expect(seen).toMatchObject({ exists: true, ready: true, upToDate: true, busy: false });
  return nextContext(b, ctx, { state: seen.state });
}
