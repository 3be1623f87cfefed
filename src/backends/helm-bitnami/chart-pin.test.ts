import { describe, expect, it } from '@jest/globals';
import { pinnedChartHint, planChart, withChartPlan, type ChartPinInput } from './chart-pin.js';
import { DEFAULT_CHART } from './chart-ref.js';

const OCI = [DEFAULT_CHART];
const KEPT = 'chart version: 11.9.13 kept (label operator/action=upgrade-chart moves it to 17.1.0)';

function input(over: Partial<ChartPinInput> = {}): ChartPinInput {
  return { chart: DEFAULT_CHART, configuredVersion: '17.1.0', runningVersion: '11.9.13', adopted: true, applyDifferences: false, holds: false, state: {}, ...over };
}

describe('planChart', () => {
  it('keeps the version an adopted release runs, after the spec changed too, and says how to move it', () => {
    for (const holds of [true, false]) {
      expect(planChart(input({ holds }))).toEqual({ args: [...OCI, '--version', '11.9.13'], pinnedTo: '11.9.13', note: KEPT });
    }
  });

  it('moves it on purpose: the label operator/action=upgrade-chart or python_takeover.apply_differences', () => {
    const moved = { args: [...OCI, '--version', '17.1.0'], difference: 'chart version: 11.9.13 → 17.1.0' };
    expect(planChart(input({ requestedAction: 'upgrade-chart' }))).toEqual(moved);
    expect(planChart(input({ applyDifferences: true }))).toEqual(moved);
    // Another action is no request to move the chart.
    expect(planChart(input({ requestedAction: 'restart' })).pinnedTo).toBe('11.9.13');
  });

  it('follows chart_version once the release ran the configured version (remembered in the backend state)', () => {
    const followed = { args: [...OCI, '--version', '17.1.0'], state: { adminRole: 'x', chartFollowsConfig: true } };
    expect(planChart(input({ runningVersion: '17.1.0', state: { adminRole: 'x' } }))).toEqual(followed);
    // Right after the move, with the label still on.
    expect(planChart(input({ runningVersion: '17.1.0', state: { adminRole: 'x' }, requestedAction: 'upgrade-chart' }))).toEqual(followed);
    // The admin later configures a newer chart: this release moves with the others.
    expect(planChart(input({ runningVersion: '17.1.0', configuredVersion: '17.2.0', state: { chartFollowsConfig: true } }))).toEqual({
      args: [...OCI, '--version', '17.2.0'],
      difference: 'chart version: 17.1.0 → 17.2.0',
    });
  });

  it('changes nothing for a release this operator installed', () => {
    expect(planChart(input({ adopted: false, runningVersion: '17.0.0' }))).toEqual({ args: [...OCI, '--version', '17.1.0'], difference: 'chart version: 17.0.0 → 17.1.0' });
  });

  it('pins with a classic chart repository as well', () => {
    expect(planChart(input({ chart: 'https://charts.example.com/bitnami' })).args).toEqual(['postgresql', '--repo', 'https://charts.example.com/bitnami', '--version', '11.9.13']);
  });

  it('cannot pin a local chart (one fixed version): says so while the hold lasts, then behaves as before', () => {
    const held = planChart(input({ chart: '/charts/postgresql', holds: true }));
    expect(held).toEqual({ args: ['/charts/postgresql'], note: expect.stringMatching(/^chart version: 11\.9\.13 cannot be kept: .*one fixed chart/) });
    expect(planChart(input({ chart: '/charts/postgresql' }))).toEqual({ args: ['/charts/postgresql'] });
  });

  it('cannot pin a version it does not know', () => {
    expect(planChart(input({ runningVersion: '' }))).toEqual({ args: [...OCI, '--version', '17.1.0'], difference: 'chart version: (unknown) → 17.1.0' });
  });
});

describe('withChartPlan', () => {
  it('adds the note as an adoption difference and to the warning, and the new state', () => {
    const seen = withChartPlan({ exists: true, ready: true, upToDate: true, warning: 'helmbitnami does not support spec.backup; ignored' }, { args: [], note: KEPT, state: { a: 1 } });
    expect(seen).toEqual({ exists: true, ready: true, upToDate: true, adoptionDifferences: [KEPT], warning: `helmbitnami does not support spec.backup; ignored; ${KEPT}`, state: { a: 1 } });
  });
});

describe('pinnedChartHint', () => {
  it('names both ways out, only for a kept version', () => {
    expect(pinnedChartHint(planChart(input()), '17.1.0')).toMatch(/make that version available from backends\.helmbitnami\.chart, or set the label operator\/action=upgrade-chart/);
    expect(pinnedChartHint(planChart(input({ adopted: false })), '17.1.0')).toBeUndefined();
  });
});
