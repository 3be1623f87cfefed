import { Reason } from '../api/conditions.js';
import type { PostgreSQLServer } from '../api/types.js';
import type { ServerObservation } from '../backends/types.js';
import type { ReconcileOutcome } from '../reconcile/controller.js';
import { tryLogin } from '../postgres/index.js';
import type { HandlerDeps } from './deps.js';
import { reportPending } from './reporting.js';
import type { ServerRun } from './server-handler.js';
import { adoptUnownedSecret, recordTakeover } from './takeover-steps.js';

const WAIT_FOR_PROOF_SECONDS = 15;
const MAX_REMEMBERED = 64;
const remembered = (difference: string): string => difference.slice(0, 1024);

/**
 * The first reconcile of a server the Python operator created: its credentials Secret (nobody's)
 * is proven by logging in as the admin and taken over; then the takeover is recorded and kopf's
 * finalizer replaced. Nothing is applied to the server. Returns the server as recorded, or what
 * the reconcile returns meanwhile (waiting for the server to answer).
 */
export async function takeOverServer(deps: HandlerDeps, server: PostgreSQLServer, run: ServerRun, observed: ServerObservation): Promise<{ server: PostgreSQLServer } | ReconcileOutcome> {
  const secret = server.spec.credentialsSecret;
  if (run.credentials.kind === 'foreign' && run.credentials.unowned) {
    const unowned = run.credentials.unowned;
    if (observed.exists && (!observed.ready || !observed.endpoint)) {
      return reportPending(deps, server, Reason.Pending, `waiting for the server to answer, to prove Secret ${secret} left by the Python operator by a login`, observed.retryAfterSeconds ?? WAIT_FOR_PROOF_SECONDS);
    }
    const admin = observed.exists && observed.endpoint ? await run.backend.adminConnection(run.ctx, observed.endpoint) : undefined;
    const proof = admin ? await tryLogin(admin) : undefined;
    run.stored = await adoptUnownedSecret(deps, server, { scope: run.scope, secretName: secret, unowned, proof, whom: admin?.user ?? 'the admin' });
    run.credentials = { kind: 'owned', data: unowned.data };
    run.scope.credentials = run.credentials;
  }
  const recorded = await recordTakeover(deps, server);
  run.ctx.adoption = recorded.status?.adoption ?? run.ctx.adoption;
  return { server: recorded };
}

/**
 * Each setting where this operator would choose differently from what runs on an adopted server
 * is reported once as an event; the ones reported are remembered in status.adoption.
 */
export async function reportAdoptionDifferences(deps: HandlerDeps, server: PostgreSQLServer, observed: ServerObservation): Promise<void> {
  const adoption = server.status?.adoption;
  const reported = adoption?.differencesReported ?? [];
  const fresh = (observed.adoptionDifferences ?? []).filter((d) => !reported.includes(remembered(d)));
  if (!adoption || fresh.length === 0) return;
  for (const difference of fresh) {
    await deps.events.record(server, 'Normal', 'AdoptionDifference', `taken over from the Python operator: ${difference}`);
  }
  // Within the CRD's bounds (items of at most 1024 characters, at most 64 of them; the oldest go first).
  const differencesReported = [...reported, ...fresh.map(remembered)].slice(-MAX_REMEMBERED);
  await deps.servers.patchStatus(server.metadata.namespace, server.metadata.name, { adoption: { ...adoption, differencesReported } });
  server.status = { ...server.status, adoption: { ...adoption, differencesReported } };
}
