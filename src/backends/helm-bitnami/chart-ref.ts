/** The Bitnami chart as published since 2023: an OCI artifact on Docker Hub. */
export const DEFAULT_CHART = 'oci://registry-1.docker.io/bitnamicharts/postgresql';
/** The chart version the operator is tested with (values layout checked against its values.yaml). */
export const DEFAULT_CHART_VERSION = '17.1.0';
/** The chart's name inside a classic chart repository. */
const CHART_NAME = 'postgresql';

export interface ChartSource {
  /** The chart argument of `helm upgrade` plus the flags that locate it. */
  args: string[];
  /**
   * Whether `--version` selects the chart (OCI and repositories). A local path or an archive URL
   * is one fixed version, so the release's chart version is not compared with `chart_version`.
   */
  versioned: boolean;
}

/**
 * Where the chart comes from, from the config's `chart`:
 * - `oci://host/path/postgresql`: an OCI registry (the default, or a mirror of it);
 * - `https://host/charts` (or http): a classic chart repository holding `postgresql`;
 * - `https://host/postgresql-17.1.0.tgz`: one chart archive;
 * - `/path/to/chart`, `./chart`, `chart.tgz`: a chart on the operator's file system (mirrored into
 *   the image or a volume);
 * - `repo/postgresql`: a repository added with `helm repo add` in the operator's helm config.
 */
export function chartSource(chart: string, version: string): ChartSource {
  const ref = chart.trim();
  const withVersion = (args: string[]): ChartSource => ({ args: version ? [...args, '--version', version] : args, versioned: Boolean(version) });
  if (/^oci:\/\//i.test(ref)) return withVersion([ref]);
  if (/^https?:\/\//i.test(ref)) {
    if (/\.tgz$/i.test(ref)) return { args: [ref], versioned: false };
    return withVersion([CHART_NAME, '--repo', ref]);
  }
  if (ref.startsWith('/') || ref.startsWith('.') || /\.tgz$/i.test(ref)) return { args: [ref], versioned: false };
  return withVersion([ref]);
}
