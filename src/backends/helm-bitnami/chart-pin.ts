/**
 * Which chart version an upgrade of a release installs. A release taken over from the Python
 * operator runs the chart that operator bundled (11.9.13, six majors behind `chart_version`):
 * moving it changes the chart's defaults, labels and images, so it must not happen as a side
 * effect of an unrelated spec change. Such a release keeps the version it runs — read from the
 * release itself, so it survives restarts — and spec changes upgrade it with `--version <running>`
 * and this operator's values (every key the operator sets exists in 11.9.13 too, ADR 0012). It
 * moves to `chart_version` only on purpose: the label `operator/action: upgrade-chart`, or
 * `python_takeover.apply_differences`. Once it runs the configured version it follows
 * `chart_version` like any other release (remembered in the backend state). Pure, no I/O.
 */
import type { BackendState, ServerObservation } from '../types.js';
import { chartSource } from './chart-ref.js';

/** The `operator/action` label value that moves an adopted release to the configured chart version. */
export const UPGRADE_CHART_ACTION = 'upgrade-chart';

/** Backend state: the release ran the configured chart version once, so it follows `chart_version`. */
const FOLLOWS_CONFIG = 'chartFollowsConfig';

export interface ChartPinInput {
  /** `backends.helmbitnami.chart` and `chart_version`. */
  chart: string;
  configuredVersion: string;
  /** The version the release runs (`chartVersionOf`), '' when unknown. */
  runningVersion: string;
  /** Taken over from the Python operator (`ServerContext.adoption` is set). */
  adopted: boolean;
  /** `python_takeover.apply_differences`. */
  applyDifferences: boolean;
  requestedAction?: string;
  /** The adoption hold is in force (no spec change yet, see `holdsAdoptedSettings`). */
  holds: boolean;
  state: BackendState;
}

export interface ChartPlan {
  /** The chart argument of `helm upgrade` and the flags locating it. */
  args: string[];
  /** The chart version difference an upgrade applies (counted like any other difference). */
  difference?: string;
  /** Set when the release keeps the version it runs: that version. */
  pinnedTo?: string;
  /** What the user should know: the version kept, or that it cannot be kept. */
  note?: string;
  /** New backend state, when it changes. */
  state?: BackendState;
}

export function planChart(input: ChartPinInput): ChartPlan {
  const { chart, configuredVersion, runningVersion: running } = input;
  const configured = chartSource(chart, configuredVersion);
  const moves = configured.versioned && running !== configuredVersion;
  const follow: ChartPlan = { args: configured.args, ...(moves ? { difference: `chart version: ${running || '(unknown)'} → ${configuredVersion}` } : {}) };
  const onPurpose = input.applyDifferences || input.requestedAction === UPGRADE_CHART_ACTION;
  if (!input.adopted || input.state[FOLLOWS_CONFIG] === true) return follow;
  if (configured.versioned && !moves) return { ...follow, state: { ...input.state, [FOLLOWS_CONFIG]: true } };
  if (onPurpose || !running) return follow;
  if (!configured.versioned) {
    // A path or archive is one fixed chart: no other version can be installed from it.
    const note = `chart version: ${running} cannot be kept: backends.helmbitnami.chart is one fixed chart (a path or an archive), so the first spec change upgrades the release to it`;
    return { ...follow, ...(input.holds ? { note } : {}) };
  }
  return {
    args: chartSource(chart, running).args,
    pinnedTo: running,
    note: `chart version: ${running} kept (label operator/action=${UPGRADE_CHART_ACTION} moves it to ${configuredVersion})`,
  };
}

/** Why an upgrade at the kept version failed, when the chart source does not have that version. */
export function pinnedChartHint(plan: ChartPlan, configuredVersion: string): string | undefined {
  if (!plan.pinnedTo) return undefined;
  return `the release keeps chart version ${plan.pinnedTo} (taken over from the Python operator): make that version available from backends.helmbitnami.chart, ` +
    `or set the label operator/action=${UPGRADE_CHART_ACTION} to move it to ${configuredVersion}`;
}

/** The observation with the plan's state, and its note added to the adoption differences and the warning. */
export function withChartPlan(observation: ServerObservation, plan: ChartPlan): ServerObservation {
  const withState = plan.state ? { ...observation, state: plan.state } : observation;
  const { note } = plan;
  if (!note) return withState;
  return {
    ...withState,
    adoptionDifferences: [...(withState.adoptionDifferences ?? []), note],
    warning: withState.warning ? `${withState.warning}; ${note}` : note,
  };
}
