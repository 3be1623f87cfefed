/**
 * The first reconciles of a server taken over from the Python operator: nothing that runs is
 * changed by the takeover itself. While the hold lasts, every setting where this operator would
 * choose differently from what runs (the Python operator's choices: SKU family, maintenance
 * weekday, backup retention, Helm values, ...) is kept and reported instead of applied. The hold
 * ends when the spec's generation moves past the one recorded at the takeover (the user asked for a
 * change: the operator's choices come with it) or when the admin sets
 * `python_takeover.apply_differences`. (A Helm release's chart version is kept beyond that, until
 * it is upgraded on purpose: see helm-bitnami/chart-pin.ts.)
 */
import type { ServerContext, ServerObservation } from '../types.js';

/** The prefix of each setting kept: it is applied once the spec changes (or the admin opts in). */
export const KEPT = 'kept until the spec changes:';

/**
 * Whether an adopted server still keeps what runs (see the module comment). An `operator/action`
 * label (e.g. restart) is a deliberate request the backend must carry out, so it is not held back
 * (the handler would otherwise remove the label with nothing done).
 */
export function holdsAdoptedSettings(ctx: Pick<ServerContext, 'adoption' | 'generation' | 'requestedAction'>, applyDifferences: boolean): boolean {
  return ctx.adoption !== undefined && !applyDifferences && ctx.generation <= ctx.adoption.generation && !ctx.requestedAction;
}

/**
 * The observation as the handler must see it while the hold lasts: up to date, nothing to update,
 * each difference ("what runs → what this operator would choose") moved to `adoptionDifferences`, plus `notes` (facts
 * about the takeover that are no setting, e.g. another deletion policy). Unchanged otherwise.
 */
export function keepWhatRuns(observation: ServerObservation, hold: boolean, notes: string[] = []): ServerObservation {
  if (!hold || !observation.exists) return observation;
  // Once each: e.g. an Aurora cluster and its writer both miss the same tag.
  const kept = [...new Set(observation.differences ?? [])].map((d) => `${KEPT} ${d}`);
  const adoptionDifferences = [...kept, ...notes];
  const { differences: _applied, ...rest } = observation;
  return {
    ...rest,
    upToDate: true,
    differences: [],
    ...(adoptionDifferences.length ? { adoptionDifferences } : {}),
    ...(observation.ready && kept.length ? { message: `server is ready; ${kept.length} setting(s) kept as the Python operator left them until the spec changes` } : {}),
  };
}
