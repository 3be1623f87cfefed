/**
 * Drives a backend the way the server handler does (observe → create / wait / update), persisting
 * the returned state between calls like `status.backendState`. Test-only: the real loop lives in
 * src/handlers; this keeps backend tests independent of it.
 */
import type { ServerSpec } from '../../../src/api/types.js';
import type { ServerBackend, ServerContext, ServerObservation } from '../../../src/backends/types.js';

export type Step = 'create' | 'wait' | 'update' | 'ready';

export function serverContext(backend: ServerBackend, spec: ServerSpec, meta = { namespace: 'team-a', name: 'orders' }, adminPassword = 'Initial-Passw0rd-123'): ServerContext {
  const v = backend.validate(spec, meta);
  if (!v.ok) throw new Error(`invalid spec: ${v.problems.map((p) => p.message).join('; ')}`);
  return {
    ...meta,
    uid: `uid-${meta.namespace}-${meta.name}`,
    generation: 1,
    spec,
    resolved: v.resolved,
    adminPassword,
    adminSecret: { name: `${meta.name}-admin`, passwordKey: 'password' },
    owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: meta.name, uid: `uid-${meta.namespace}-${meta.name}` },
    labels: {},
    state: {},
  };
}

/** Re-validates after a spec change, as the handler does every reconcile. */
export function withSpec(backend: ServerBackend, ctx: ServerContext, spec: ServerSpec): ServerContext {
  const v = backend.validate(spec, ctx);
  if (!v.ok) throw new Error(`invalid spec: ${v.problems.map((p) => p.message).join('; ')}`);
  return { ...ctx, spec, resolved: v.resolved, generation: ctx.generation + 1 };
}

export async function reconcileOnce(backend: ServerBackend, ctx: ServerContext): Promise<{ step: Step; observation: ServerObservation; message?: string }> {
  const observation = await backend.observe(ctx);
  if (observation.state) ctx.state = observation.state;
  if (!observation.exists) {
    const r = await backend.create(ctx);
    if (r.state) ctx.state = r.state;
    return { step: 'create', observation, message: r.message };
  }
  if (observation.busy || !observation.ready) return { step: 'wait', observation };
  if (!observation.upToDate) {
    const r = await backend.update(ctx, observation);
    if (r.state) ctx.state = r.state;
    return { step: 'update', observation, message: r.message };
  }
  return { step: 'ready', observation };
}

/** Reconciles until ready and up to date; returns the steps taken. */
export async function converge(backend: ServerBackend, ctx: ServerContext, maxRounds = 30): Promise<{ steps: Step[]; observation: ServerObservation }> {
  const steps: Step[] = [];
  for (let i = 0; i < maxRounds; i++) {
    const r = await reconcileOnce(backend, ctx);
    steps.push(r.step);
    if (r.step === 'ready') return { steps, observation: r.observation };
  }
  throw new Error(`no convergence after ${maxRounds} reconciles: ${steps.join(' ')}`);
}
