/**
 * Which differences of a release may wait for the server's maintenance window (ADR 0021): those
 * the operator's config brings to every release at once, not the server's spec — a new chart
 * version (`chart_version`) and a new image of the server's pod from `extra_values`
 * (`image.registry`, `image.repository`, `image.digest`, `image.pullPolicy`, `image.pullSecrets`,
 * `global.imageRegistry`). `image.tag` is the spec's major version, not the config's. Any other
 * difference (the spec's size, a restart, a certificate, other `extra_values`) makes the upgrade
 * due at once, and the held changes go with it: the pod rolls anyway. A difference under `backup`
 * (the chart's backup CronJob and its claim: the spec's retention, a schedule that follows the
 * window) rolls no pod: it goes at once without them, in an upgrade with the running image and
 * chart version (`withRunningImage`). Pure, no I/O.
 */
import { normalizeValues, valueDifferences } from './compare.js';
import { isPlainObject, type HelmValues } from './values.js';

/**
 * The changes that may wait, when they are all that differs; undefined when something else
 * differs too (then everything is upgraded at once) or nothing does.
 */
export function configOnlyChanges(current: HelmValues, desired: HelmValues, chartDifference: string | undefined): string[] | undefined {
  // The desired values with the pod's image as it runs: equal to what runs (the backups aside) when only the image differs.
  if (valueDifferences(withoutBackup(current), withoutBackup(withRunningImage(desired, current))).length > 0) return undefined;
  const pending = [...valueDifferences(withoutBackup(current), withoutBackup(desired)), ...(chartDifference ? [chartDifference] : [])];
  return pending.length ? pending : undefined;
}

/** The values an upgrade sends while the changes of `configOnlyChanges` wait: the desired ones with the image that runs. */
export function withRunningImage(desired: HelmValues, current: HelmValues): HelmValues {
  return withImageOf(desired, current);
}

/** The values but the chart's backup CronJob and claim (`backup`), which are not the server's pod. */
function withoutBackup(values: HelmValues): HelmValues {
  const { backup: _backup, ...rest } = normalizeValues(values);
  return rest;
}

/** `values` with the image settings (but its own `image.tag`) and `global.imageRegistry` of `from`. */
function withImageOf(values: HelmValues, from: HelmValues): HelmValues {
  const out = normalizeValues(values);
  const source = normalizeValues(from);
  const tag = isPlainObject(out.image) ? out.image.tag : undefined;
  const image = { ...(isPlainObject(source.image) ? source.image : {}) };
  delete image.tag;
  if (tag !== undefined) image.tag = tag;
  if (Object.keys(image).length) out.image = image;
  else delete out.image;
  const registry = isPlainObject(source.global) ? source.global.imageRegistry : undefined;
  const global = { ...(isPlainObject(out.global) ? out.global : {}) };
  delete global.imageRegistry;
  if (registry !== undefined) global.imageRegistry = registry;
  if (Object.keys(global).length) out.global = global;
  else delete out.global;
  return out;
}
