import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Reason } from '../../api/conditions.js';
import { LABEL_SERVER } from '../../api/constants.js';
import type { ServerSpec } from '../../api/types.js';
import type { HelmBitnamiSection } from '../../config/sections/helmbitnami.js';
import type { TlsSettings } from '../../config/sections/tls.js';
import type { KubeClients } from '../../k8s/clients.js';
import { holdsAdoptedSettings, KEPT, keepWhatRuns } from '../common/adoption.js';
import { renderPattern } from '../common/naming.js';
import { PermanentError, TemporaryError } from '../errors.js';
import type {
  ActionResult,
  AdminConnection,
  DatabasePolicy,
  DeleteResult,
  Endpoint,
  PasswordResult,
  ServerBackend,
  ServerContext,
  ServerObservation,
  ValidationResult,
} from '../types.js';
import { CHART_SUPERUSER, ensureAdminRole, loginAsSuperuser, runningMajor, setAdminPasswords, type Session } from './admin-sql.js';
import { planChart, pinnedChartHint, UPGRADE_CHART_ACTION, withChartPlan, type ChartPlan } from './chart-pin.js';
import { chartSource, type ChartSource } from './chart-ref.js';
import { deleteClaims, orphanStatefulSet, readStatefulSet, resizeClaims } from './claims.js';
import { valueDifferences } from './compare.js';
import { HelmCli, HelmError, type HelmRevision } from './helm-cli.js';
import { releaseName } from './release-name.js';
import { chartVersionOf, PENDING_STATUSES, statefulSetState } from './release-state.js';
import { isInterrupted, repairInterrupted } from './repair.js';
import { ignoredSettingsWarning, podResources, validateSpec } from './spec.js';
import { buildReleaseValues, deepMerge, isPlainObject, RESTART_ANNOTATION, valueAt, type HelmValues } from './values.js';
import { buildBackupValues, chartHasBackups, type BackupValuesInput } from './backup-values.js';
import { observeReleaseBackups } from './backups.js';
import { ReleaseBucketBackups } from './bucket-backups.js';
import { BACKUP_DIFFERENCE, type BackupObservation } from '../common/backup-cronjob-sync.js';
import { buildReleaseRestoreJob, RESTORE_DIFFERENCE, restoreJobName } from './restore.js';
import { observeRestore, restoreObservation, startRestore } from '../common/restore-job.js';
import { checkedAgainstMarker } from '../common/restore-marker.js';
import { backupPlan } from '../common/backup-plan.js';
import { certificateSecretName, HelmTls } from './tls.js';
import { DEFAULT_DENIED_PARAMETERS } from '../../config/sections/server-parameters.js';
import { applyServerParameters, observeParameters, PARAMETERS_DIFF, RESTART_DIFF, restartDone, restartState, restartToken, withRunningRestartToken, type ParameterObservation } from '../common/parameters/lifecycle.js';
import { holdForWindow, joinHolds, maintenanceStatus, type WindowHold } from '../common/maintenance-window.js';
import { configOnlyChanges, withRunningImage } from './window-hold.js';
import type { ServerCertificates } from '../common/tls/certificate-source.js';
import { chooseServerTls, NO_TLS, recordedTls, withTls, type ServerTls } from '../common/tls/server-tls.js';

const DEFAULT_PORT = 5432;

export interface HelmBitnamiOptions {
  /** `backends.helmbitnami` as `backendSection` returns it. */
  settings: HelmBitnamiSection;
  kube: KubeClients;
  log: Logger;
  /** Environment for helm on top of the operator's (tests put the recording stand-in first on PATH). */
  helmEnv?: Record<string, string | undefined>;
  /** A kubeconfig file for helm; without it helm finds the cluster as the operator does. */
  kubeconfig?: string;
  /** Seconds between looks while a release rolls out (default 5). */
  pollSeconds?: number;
  /** A release still pending after this long was left behind by an interrupted helm call and is repaired (default: timeout + 60 s). */
  stuckAfterSeconds?: number;
  /** Limit for opening a PostgreSQL session (default 10 s). */
  connectTimeoutMs?: number;
  now?: () => number;
  /** `python_takeover.apply_differences`: change adopted releases to this operator's values at once. */
  applyAdoptionDifferences?: boolean;
  /** The `tls` config and the server certificates (operator CA or cert-manager); without them releases run without the operator's TLS. */
  tls?: { settings: TlsSettings; certs: ServerCertificates };
  /** `server_parameters.denied` (default: the built-in list). */
  deniedParameters?: readonly string[];
  /** The operator's own image (OPERATOR_IMAGE, set by the chart): it uploads backups to a bucket unless backup.s3.uploader_image names another. */
  operatorImage?: string;
}

/**
 * PostgreSQL as a release of the Bitnami chart, driven through the helm v3 CLI. The release is
 * `<name>-postgresql` with `fullnameOverride` set to it, so its StatefulSet and Service carry
 * that name too. The admin password stays in the operator's Secret (`auth.existingSecret`), never
 * in values or on helm's command line. Nothing waits on helm (`--wait` is never used): readiness
 * comes from the StatefulSet.
 */
export class HelmBitnamiBackend implements ServerBackend {
  readonly name = 'helmbitnami';
  readonly supportedActions = [UPGRADE_CHART_ACTION, 'restart'] as const;
  readonly supportsRestore = true;
  private readonly helm: HelmCli;
  private readonly settings: HelmBitnamiSection;
  private readonly chart: ChartSource;
  private readonly pollSeconds: number;
  private readonly stuckAfterMs: number;
  private readonly connectTimeoutMs: number;
  private readonly now: () => number;
  private readonly tls?: HelmTls;
  private readonly bucketBackups: ReleaseBucketBackups;

  constructor(private readonly opts: HelmBitnamiOptions) {
    if (opts.tls) this.tls = new HelmTls(opts.tls.certs, opts.tls.settings);
    this.settings = opts.settings;
    this.bucketBackups = new ReleaseBucketBackups(opts.kube, this.settings.backup, opts.operatorImage);
    this.helm = new HelmCli({ binary: this.settings.helm_binary, timeoutSeconds: this.settings.helm_timeout_seconds, env: opts.helmEnv, kubeconfig: opts.kubeconfig });
    this.chart = chartSource(this.settings.chart, this.settings.chart_version);
    this.pollSeconds = opts.pollSeconds ?? 5;
    this.stuckAfterMs = (opts.stuckAfterSeconds ?? this.settings.helm_timeout_seconds + 60) * 1000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }


  validate(spec: ServerSpec): ValidationResult {
    return validateSpec(spec, this.settings, this.denied);
  }

  private get denied(): readonly string[] {
    return this.opts.deniedParameters ?? DEFAULT_DENIED_PARAMETERS;
  }

  async observe(ctx: ServerContext): Promise<ServerObservation> {
    const release = releaseName(ctx.namespace, ctx.name);
    const head = await this.helm.latestRevision(release, ctx.namespace);
    if (!head) {
      const state = this.tls ? withTls(ctx.state, this.tlsChoice(ctx, undefined)) : ctx.state;
      return { exists: false, ready: false, upToDate: false, message: `Helm release ${release} is not installed`, ...(state === ctx.state ? {} : { state }) };
    }
    const warning = ignoredSettingsWarning(ctx.spec);
    if (PENDING_STATUSES.has(head.status)) return this.pending(release, head, await this.endpoint(ctx, release), warning);
    const [current, sts] = await Promise.all([this.helm.getValues(release, ctx.namespace), readStatefulSet(this.opts.kube, release, ctx.namespace)]);
    const stsState = statefulSetState(sts);
    const ready = head.status === 'deployed' && stsState.ready;
    const tls = this.tlsChoice(ctx, current);
    const original = ctx.state;
    // A restart made but not recorded (a kill before the status write) is not made again.
    const podAnnotations = valueAt(current, 'primary.podAnnotations');
    const restarted = withRunningRestartToken(ctx, isPlainObject(podAnnotations) ? podAnnotations[RESTART_ANNOTATION] : undefined);
    const state = this.tls ? withTls(restarted, tls) : restarted;
    ctx = { ...ctx, state };
    const endpoint = await this.endpoint(ctx, release);
    const chart = this.chartPlan(ctx, head);
    const desired = this.desiredValues(ctx, release, chart.pinnedTo);
    const hold = this.holds(ctx);
    // A new chart or image from the config waits for a ready server's maintenance window (ADR 0021).
    const held = ready && !hold ? this.heldForWindow(ctx, head, chart, current, desired) : undefined;
    // What goes now while they wait: a change of the backups (see window-hold.ts).
    const differences = held ? valueDifferences(current, withRunningImage(desired, current)) : this.releaseDifferences(chart, current, desired);
    // An adopted release keeps its values while the hold lasts, ready or not.
    const incomplete = incompleteRelease(release, head, sts, ready, hold ? [] : differences);
    // Repaired by `create` (= `update` here), which the handler calls at once for a server that does
    // not exist, while it waits on one that is not ready.
    if (incomplete) return { exists: false, ready: false, upToDate: false, differences: [incomplete], message: incomplete, ...(warning ? { warning } : {}), ...(state === original ? {} : { state }) };
    if (hold) differences.push(...this.hostDifference(ctx, release, endpoint));
    const tlsLook = tls.enabled && this.tls ? await this.tls.differences(ctx, tls, release) : { differences: [] };
    differences.push(...tlsLook.differences);
    // Parameters are looked at in the running server once the release is settled (ALTER SYSTEM, as statefulset).
    const params = ready && differences.length === 0 && !this.needsAdminRole(ctx) ? await observeParameters(ctx, await this.adminConnection(ctx, endpoint), this.denied) : undefined;
    if (params) {
      differences.push(...params.differences);
      ctx = { ...ctx, state: params.state };
    }
    // The admin role is SQL in the server, no change to the release: made even while the hold lasts.
    const roleMissing = ready && this.needsAdminRole(ctx) ? [`admin role "${this.settings.admin_username}" is not created yet`] : [];
    const observed = withChartPlan(keepWhatRuns({
      exists: true,
      ready,
      upToDate: differences.length === 0,
      differences,
      endpoint,
      message: ready ? `release ${release} revision ${head.revision} running` : `waiting for StatefulSet ${release}: ${stsState.summary}`,
      ...(ready ? {} : { retryAfterSeconds: this.pollSeconds }),
      ...(warning || tlsLook.warning ? { warning: [warning, tlsLook.warning].filter(Boolean).join('; ') } : {}),
    }, hold), chart);
    // The chart plan's state (it may follow the config's chart now) with the TLS choice and the parameters' restart record.
    const planned = observed.state ?? state;
    const finalState = params && params.state.parameterState !== planned.parameterState ? { ...planned, parameterState: params.state.parameterState } : planned;
    const { state: _planned, ...rest } = observed;
    const withState = { ...rest, ...waitingFields(observed.warning, params, held), ...(finalState === original ? {} : { state: finalState }) };
    const withBackups = await this.withBackups(ctx, release, withState, chart.pinnedTo, desired);
    const withRole = roleMissing.length ? { ...withBackups, upToDate: false, differences: [...(withBackups.differences ?? []), ...roleMissing] } : withBackups;
    return this.withRestore(ctx, release, withRole);
  }

  /** A restore asked for in spec.restoreFrom (ADR 0020): started once the release is ready; holds readiness back until done. */
  private async withRestore(ctx: ServerContext, release: string, observed: ServerObservation): Promise<ServerObservation> {
    const endpoint = observed.ready ? observed.endpoint : undefined;
    // Status and Job both lost after a finished restore: the marker in the data says so (ADR 0020).
    const restore = await checkedAgainstMarker(
      await observeRestore(this.opts.kube, ctx.namespace, restoreJobName(release), ctx.restore, ctx.uid),
      ctx.restore,
      endpoint ? () => this.adminConnection(ctx, endpoint) : undefined,
    );
    if (restore.phase === 'none') return observed;
    if (restore.phase === 'done') return { ...observed, restoredFrom: restore.restoredFrom };
    const differences = restore.phase === 'start' && observed.ready ? [...(observed.differences ?? []), RESTORE_DIFFERENCE] : observed.differences;
    return restoreObservation({ ...observed, differences, upToDate: (differences ?? []).length === 0 }, restore, this.pollSeconds);
  }

  /**
   * status.backup (ADR 0020): from the chart's backup jobs, or with a bucket (ADR 0023) from the
   * operator's own CronJob, whose differences `update` converges (an adopted release keeps having
   * none while the hold lasts); a warning while a pinned old chart has no backup values.
   */
  private async withBackups(ctx: ServerContext, release: string, observed: ServerObservation, pinnedTo: string | undefined, desired: HelmValues): Promise<ServerObservation> {
    const own = await this.bucketBackups.observe(ctx, release, desired, observed.endpoint?.port ?? DEFAULT_PORT);
    const held = this.holds(ctx);
    const out = withOwnCronJob(observed, own, held);
    const plan = backupPlan(ctx.spec, this.settings.backup);
    if (!plan || !observed.ready) return out;
    if (this.bucketBackups.target()) return held ? out : { ...out, ...(own.status ? { backup: own.status } : {}) };
    if (chartHasBackups(pinnedTo)) return { ...out, backup: await observeReleaseBackups(this.opts.kube, release, ctx.namespace, plan) };
    const note = `no scheduled backups while the release keeps chart ${pinnedTo} (the label operator/action=${UPGRADE_CHART_ACTION} moves it to a chart with backup.cronjob)`;
    return { ...out, warning: out.warning ? `${out.warning}; ${note}` : note };
  }

  create(ctx: ServerContext): Promise<ActionResult> {
    return this.converge(ctx, false);
  }

  async update(ctx: ServerContext, observed?: ServerObservation): Promise<ActionResult> {
    const differences = observed?.differences ?? [];
    if (differences.some((d) => d.startsWith(PARAMETERS_DIFF))) {
      const release = releaseName(ctx.namespace, ctx.name);
      const applied = await applyServerParameters(ctx, await this.adminConnection(ctx, await this.endpoint(ctx, release)), this.denied);
      return { message: `server parameters applied${applied.pendingRestart.length ? `; ${applied.pendingRestart.join(', ')} need a restart` : ' without a restart'}`, retryAfterSeconds: 1, state: applied.state };
    }
    // A restart is an upgrade with a new token among the pod annotations. One the label asks for
    // is done by an upgrade due anyway (e.g. a change held for the window): one roll, not two.
    const labelRestart = ctx.requestedAction === 'restart' && !restartDone(ctx);
    const backups = differences.includes(BACKUP_DIFFERENCE);
    if (!labelRestart && !differences.some((d) => d.startsWith(RESTART_DIFF))) return this.converge(ctx, backups);
    const restarting = { ...ctx, state: restartState(ctx) };
    const result = await this.converge(restarting, backups);
    return { ...result, state: result.state ?? restarting.state };
  }

  async delete(ctx: ServerContext): Promise<DeleteResult> {
    const release = releaseName(ctx.namespace, ctx.name);
    const uninstalled = await this.helm.uninstall(release, ctx.namespace);
    const what = uninstalled ? `Helm release ${release} uninstalled` : `Helm release ${release} is gone`;
    if (!this.settings.pvc_cleanup) return { gone: true, message: `${what}; its volume claims are kept (pvc_cleanup is off)` };
    const left = await deleteClaims(this.opts.kube, release, ctx.namespace);
    if (left > 0) return { gone: false, message: `${what}; waiting for ${left} volume claim(s) to be deleted`, retryAfterSeconds: this.pollSeconds };
    return { gone: true, message: `${what}; its volume claims are deleted` };
  }

  /**
   * The chart applies the password only when the data directory is initialised, so a new password
   * is set with SQL (logged in with whichever of the new and the current one the server accepts:
   * a retry after a kill finds the new one in place). The Secret the release reads is the
   * operator's, updated by the handler afterwards, so a restarted pod and the release stay in sync.
   */
  async setAdminPassword(ctx: ServerContext, password: string, endpoint: Endpoint | undefined): Promise<PasswordResult> {
    if (!endpoint) return { applied: false, message: 'the server has no endpoint yet', retryAfterSeconds: this.pollSeconds };
    const conn = await this.adminConnection(ctx, endpoint);
    const login = await loginAsSuperuser(conn, [password, ctx.adminPassword], this.connectTimeoutMs);
    if (!login) {
      return { applied: false, message: `the server accepts neither the stored nor the new password for "${CHART_SUPERUSER}"`, retryAfterSeconds: 60 };
    }
    try {
      await setAdminPasswords(login.session, this.settings.admin_username, password);
    } finally {
      await login.session.end().catch(() => undefined);
    }
    return { applied: true, message: login.password === password ? 'admin password in place' : 'admin password changed' };
  }

  async adminConnection(ctx: ServerContext, endpoint: Endpoint): Promise<AdminConnection> {
    const release = releaseName(ctx.namespace, ctx.name);
    const override = this.settings.operator_endpoint
      ? renderPattern(this.settings.operator_endpoint, { namespace: ctx.namespace, name: ctx.name }).replaceAll('{service}', release)
      : '';
    const [host, port] = override ? splitHostPort(override) : [endpoint.host, endpoint.port];
    const base = { host, port, user: this.settings.admin_username, password: ctx.adminPassword, database: 'postgres' };
    if (this.tls && this.recorded(ctx).enabled) {
      // Verified by the Service name in the certificate, wherever operator_endpoint points.
      return { ...base, sslmode: 'verify-full', caCert: await this.tls.caPem(ctx, this.recorded(ctx), release), tlsServerName: this.ownHost(ctx, release) };
    }
    return { ...base, sslmode: endpoint.sslmode, ...(endpoint.caCert ? { caCert: endpoint.caCert } : {}) };
  }

  databasePolicy(): DatabasePolicy {
    return { dropOnDelete: !this.settings.database_delete_fake, allowedExtensions: this.settings.allowed_extensions ?? [] };
  }

  /**
   * The release's values for this server, with the chart's backup CronJob (ADR 0020) unless the
   * release is pinned to a chart older than the backup values (`chartVersion`, see chart-pin.ts).
   */
  desiredValues(ctx: ServerContext, release = releaseName(ctx.namespace, ctx.name), chartVersion?: string): HelmValues {
    const own = this.releaseValues(ctx, release);
    return chartHasBackups(chartVersion) ? deepMerge(own, buildBackupValues(this.backupInput(ctx, release))) : own;
  }

  /** The desired values for the chart version an upgrade of this release would install. */
  private desiredFor(ctx: ServerContext, release: string, head: HelmRevision | undefined): HelmValues {
    return this.desiredValues(ctx, release, head && this.chartPlan(ctx, head).pinnedTo);
  }

  private backupInput(ctx: ServerContext, release: string): BackupValuesInput {
    const backup = this.settings.backup;
    // The same choice as the release's TLS values (releaseValues): the chart serves TLS exactly then.
    const tls = this.tls && this.recorded(ctx).enabled ? { tlsSecret: certificateSecretName(release) } : {};
    // Backups to a bucket come from the operator's own CronJob (bucket-backups.ts): the chart's is off.
    const plan = this.bucketBackups.target() ? undefined : backupPlan(ctx.spec, backup);
    return { ...(plan ? { plan } : {}), storageGB: backup.storage_gb ?? 2 * ctx.spec.size.storageGB, storageClass: backup.storage_class || this.settings.storage_class, ...tls };
  }

  private releaseValues(ctx: ServerContext, release: string): HelmValues {
    return buildReleaseValues({
      release,
      imageTag: ctx.resolved.version,
      storageGB: ctx.spec.size.storageGB,
      resources: podResources(ctx.spec, ctx.resolved, this.settings),
      storageClass: this.settings.storage_class,
      adminSecret: ctx.adminSecret,
      labels: ownLabels(ctx.labels),
      extraValues: this.settings.extra_values ?? {},
      ...(this.tls ? this.tls.values(this.recorded(ctx), release) : {}),
      ...(restartToken(ctx) ? { restartToken: restartToken(ctx) } : {}),
    });
  }

  /**
   * create and update alike: `helm upgrade --install` when the release is missing, failed, lost
   * its StatefulSet or has other values than desired; else the admin role, and the backup CronJob
   * to a bucket when observe found it `backups` out of date (ADR 0023). Never waits.
   */
  private async converge(ctx: ServerContext, backups: boolean): Promise<ActionResult> {
    const release = releaseName(ctx.namespace, ctx.name);
    const head = await this.helm.latestRevision(release, ctx.namespace);
    if (head && PENDING_STATUSES.has(head.status)) return this.repairOrWait(ctx, release, head);
    const initialState = ctx.state;
    const changedState = () => (ctx.state === initialState ? {} : { state: ctx.state });
    const tls = this.recorded(ctx);
    let certificateWait: TemporaryError | ActionResult | undefined;
    // The certificate Secret exists before the release that mounts it; its serial goes into the values.
    if (tls.enabled && this.tls) {
      // A release that serves a certificate keeps it while cert-manager has not issued the next one:
      // the other changes (a bigger volume, ...) do not wait for cert-manager; with none, the wait
      // (or cert-manager's problem) is the outcome, as for a new release.
      const serving = head !== undefined && tls.serial !== undefined;
      const files: Awaited<ReturnType<HelmTls['ensure']>> = await this.tls.ensure(ctx, tls, release).catch((err: unknown) => {
        if (!serving || !(err instanceof TemporaryError)) throw err;
        certificateWait = err;
        return { state: ctx.state };
      });
      if (files.pending && !serving) return files.pending;
      certificateWait ??= files.pending;
      ctx = { ...ctx, state: files.state };
    }
    const desired = this.desiredFor(ctx, release, head);
    const current = head ? await this.helm.getValues(release, ctx.namespace) : {};
    const sts = head ? await readStatefulSet(this.opts.kube, release, ctx.namespace) : undefined;
    const { chart, differences, values = desired } = this.upgradePlan(ctx, head, current, desired, sts);
    if (!head || !sts || head.status !== 'deployed' || differences.length > 0) {
      if (head) await this.guardUpgrade(ctx, release, current, values, sts);
      await this.upgradeRelease(ctx, release, chart, values);
      this.opts.log.info({ namespace: ctx.namespace, release, differences }, head ? 'helm release upgraded' : 'helm release installed');
      const message = head ? `upgraded Helm release ${release}${differences.length ? `: ${differences.join('; ')}` : ''}` : `installed Helm release ${release}`;
      return { message, retryAfterSeconds: this.pollSeconds, ...changedState() };
    }
    if (certificateWait instanceof TemporaryError) throw certificateWait;
    if (certificateWait) return certificateWait;
    if (this.needsAdminRole(ctx)) {
      await this.withSuperuser(ctx, release, (s) => ensureAdminRole(s, this.settings.admin_username, ctx.adminPassword));
      return { message: `created admin role "${this.settings.admin_username}"`, retryAfterSeconds: 1, state: { ...ctx.state, adminRole: this.settings.admin_username } };
    }
    if (backups) return { ...(await this.convergeBucketBackups(ctx, release, desired)), ...changedState() };
    return (await this.startRestoreIfDue(ctx, release, sts, desired)) ?? { message: `Helm release ${release} is up to date`, retryAfterSeconds: this.pollSeconds, ...changedState() };
  }

  /** The operator's backup CronJob for a bucket (bucket-backups.ts), once the release is settled. */
  private async convergeBucketBackups(ctx: ServerContext, release: string, desired: HelmValues): Promise<ActionResult> {
    await this.bucketBackups.converge(ctx, release, desired, (await this.endpoint(ctx, release)).port);
    return { message: `${BACKUP_DIFFERENCE} of Helm release ${release} updated`, retryAfterSeconds: 1 };
  }

  /** The restore Job of spec.restoreFrom, once the release's pod is ready (the Job connects to it). */
  private async startRestoreIfDue(ctx: ServerContext, release: string, sts: k8s.V1StatefulSet | undefined, desired: HelmValues): Promise<ActionResult | undefined> {
    if (!ctx.restore || !statefulSetState(sts).ready) return undefined;
    const fromBucket = this.bucketBackups.restoreSource(ctx, ctx.restore);
    await startRestore(this.opts.kube, buildReleaseRestoreJob(ctx, ctx.restore, desired, (await this.endpoint(ctx, release)).port, fromBucket));
    return { message: `restoring backup ${ctx.restore.backup} of server ${ctx.restore.server}`, retryAfterSeconds: this.pollSeconds };
  }

  /**
   * The chart an upgrade installs, what it would change and the values it sends (the desired ones
   * unless said): nothing for an adopted release while the hold lasts; for a ready one whose image
   * or chart waits for its maintenance window, only a change of the backups, sent with the running
   * image and chart version (see observe).
   */
  private upgradePlan(ctx: ServerContext, head: HelmRevision | undefined, current: HelmValues, desired: HelmValues, sts: k8s.V1StatefulSet | undefined): { chart: ChartPlan; differences: string[]; values?: HelmValues } {
    if (!head) return { chart: { args: this.chart.args }, differences: [] };
    const chart = this.chartPlan(ctx, head);
    const ready = head.status === 'deployed' && statefulSetState(sts).ready;
    if (this.holds(ctx)) return { chart, differences: [] };
    if (ready && this.heldForWindow(ctx, head, chart, current, desired)) {
      const values = withRunningImage(desired, current);
      // The version that runs; the hold is not asked for when it is unknown (heldForWindow).
      const running = chart.difference ? { args: chartSource(this.settings.chart, chartVersionOf(head.chart)).args } : chart;
      return { chart: running, differences: valueDifferences(current, values), values };
    }
    return { chart, differences: this.releaseDifferences(chart, current, desired) };
  }

  /**
   * A new chart version or pod image from the config (window-hold.ts), when nothing else differs,
   * waits for the server's maintenance window; at once without a window, or with the label
   * operator/action=restart (or upgrade-chart). Undefined when the upgrade, if any, is due now.
   * Decided afresh on every look (nothing recorded), so a kill changes nothing. An upgrade helm
   * already started is never held halfway: one in progress is waited for, one that failed is sent
   * again, and one an interruption left pending is rolled back by the repair and sent again at
   * once — a release whose last revision is a rollback is not held.
   */
  private heldForWindow(ctx: ServerContext, head: HelmRevision, chart: ChartPlan, current: HelmValues, desired: HelmValues): WindowHold | undefined {
    if (ctx.requestedAction === 'restart' || ctx.requestedAction === UPGRADE_CHART_ACTION) return undefined;
    if (/^Rollback to /.test(head.description ?? '')) return undefined;
    // A chart version that cannot be told cannot be kept by an upgrade of the backups meanwhile.
    if (chart.difference && !chartVersionOf(head.chart)) return undefined;
    const pending = configOnlyChanges(current, desired, chart.difference);
    return pending && holdForWindow(ctx.spec, pending, new Date(this.now()));
  }

  /** A helm call is still running (wait), or was interrupted and left the release pending (repair). */
  private async repairOrWait(ctx: ServerContext, release: string, head: HelmRevision): Promise<ActionResult> {
    if (!isInterrupted(head, this.now(), this.stuckAfterMs)) return { message: `helm ${head.status} of ${release} still in progress`, retryAfterSeconds: this.pollSeconds };
    const repaired = await repairInterrupted(this.helm, { release, namespace: ctx.namespace, head, server: ctx.labels[LABEL_SERVER] ?? ctx.name });
    this.opts.log.warn({ namespace: ctx.namespace, release, status: head.status, revision: head.revision }, repaired.message);
    return repaired;
  }

  /** What an upgrade would change. */
  private releaseDifferences(chart: ChartPlan, current: HelmValues, desired: HelmValues): string[] {
    const differences = valueDifferences(current, desired);
    if (chart.difference) differences.push(chart.difference);
    return differences;
  }

  /** Which chart version an upgrade installs: an adopted release keeps the one it runs (see chart-pin.ts). */
  private chartPlan(ctx: ServerContext, head: HelmRevision): ChartPlan {
    return planChart({
      chart: this.settings.chart,
      configuredVersion: this.settings.chart_version,
      runningVersion: chartVersionOf(head.chart),
      adopted: ctx.adoption !== undefined,
      applyDifferences: this.opts.applyAdoptionDifferences ?? false,
      requestedAction: ctx.requestedAction,
      holds: this.holds(ctx),
      state: ctx.state,
    });
  }

  /** `helm upgrade --install`; a kept chart version the chart source lacks gets the way out in its message. */
  private async upgradeRelease(ctx: ServerContext, release: string, chart: ChartPlan, values: HelmValues): Promise<void> {
    try {
      await this.helm.upgradeInstall({ release, namespace: ctx.namespace, chartArgs: chart.args, values }, [ctx.adminPassword]);
    } catch (err) {
      const hint = pinnedChartHint(chart, this.settings.chart_version);
      if (hint && err instanceof HelmError && /not found/i.test(err.message)) throw new HelmError(`${err.message}; ${hint}`, err.failure, err.exitCode);
      throw err;
    }
  }

  /**
   * Refuses what a helm upgrade cannot do safely: another PostgreSQL major on an existing data
   * directory, shrinking the volume. A bigger volume is done as the chart's docs describe:
   * resize the claims, drop the StatefulSet without its pods (its claim templates are
   * immutable), and let the upgrade create it again.
   */
  private async guardUpgrade(ctx: ServerContext, release: string, current: HelmValues, desired: HelmValues, sts: k8s.V1StatefulSet | undefined): Promise<void> {
    await this.guardMajor(ctx, release, current, desired, sts);
    const from = gibibytes(valueAt(current, 'primary.persistence.size'));
    const to = gibibytes(valueAt(desired, 'primary.persistence.size'));
    if (from === undefined || to === undefined || from === to) return;
    if (to < from) throw new PermanentError(`spec.size.storageGB cannot shrink a volume: it is ${from} GB, the spec asks for ${to} GB`, Reason.InvalidSpec);
    await resizeClaims(this.opts.kube, release, ctx.namespace, to);
    if (sts) await orphanStatefulSet(this.opts.kube, release, ctx.namespace);
  }

  private async guardMajor(ctx: ServerContext, release: string, current: HelmValues, desired: HelmValues, sts: k8s.V1StatefulSet | undefined): Promise<void> {
    const want = String(valueAt(desired, 'image.tag'));
    const had = valueAt(current, 'image.tag');
    if (had === want) return;
    let running = typeof had === 'string' && /^\d+$/.test(had) ? had : undefined;
    if (!running) {
      // A release the operator did not set the tag of (e.g. adopted from the Python operator): ask the server.
      if (!statefulSetState(sts).ready) throw new TemporaryError(`cannot tell which PostgreSQL major release ${release} runs while it is not ready`);
      running = await this.withSuperuser(ctx, release, runningMajor);
    }
    if (running !== want) {
      throw new PermanentError(
        `release ${release} runs PostgreSQL ${running}; changing it to ${want} in place is not supported (the data directory is not upgraded): set spec.version to ${running}, or create a new server and migrate`,
        Reason.InvalidSpec,
      );
    }
  }

  private needsAdminRole(ctx: ServerContext): boolean {
    return this.settings.admin_username !== CHART_SUPERUSER && ctx.state.adminRole !== this.settings.admin_username;
  }

  private async withSuperuser<T>(ctx: ServerContext, release: string, work: (s: Session) => Promise<T>): Promise<T> {
    const conn = await this.adminConnection(ctx, await this.endpoint(ctx, release));
    const login = await loginAsSuperuser(conn, [ctx.adminPassword], this.connectTimeoutMs);
    if (!login) throw new TemporaryError(`release ${release}: the server does not accept the stored password for "${CHART_SUPERUSER}"`);
    try {
      return await work(login.session);
    } finally {
      await login.session.end().catch(() => undefined);
    }
  }

  /**
   * A helm call is running on the release, or was interrupted and left it pending: then it is out
   * of date, and `update` repairs it (see repair.ts). An interrupted uninstall outside a deletion
   * (someone ran helm by hand) is left to a person.
   */
  private pending(release: string, head: HelmRevision, endpoint: Endpoint, warning: string | undefined): ServerObservation {
    const extra = warning ? { warning } : {};
    if (isInterrupted(head, this.now(), this.stuckAfterMs)) {
      const found = `Helm release ${release} was left ${head.status} by an interrupted helm call (since ${head.updated})`;
      return { exists: true, ready: false, upToDate: false, busy: false, differences: [`${found}; repairing it`], endpoint, message: found, ...extra };
    }
    const since = Date.parse(head.updated);
    if (head.status === 'uninstalling' && Number.isFinite(since) && this.now() - since > this.stuckAfterMs) {
      throw new TemporaryError(`Helm release ${release} has been uninstalling since ${head.updated}: finish it by hand (helm uninstall ${release}), then the operator continues`);
    }
    return { exists: true, ready: false, upToDate: true, busy: true, endpoint, message: `helm ${head.status} of ${release} in progress`, retryAfterSeconds: this.pollSeconds, ...extra };
  }

  private async endpoint(ctx: ServerContext, release: string): Promise<Endpoint> {
    const extra = this.settings.extra_values ?? {};
    if (this.tls && this.recorded(ctx).enabled) {
      return { host: this.ownHost(ctx, release), port: Number(valueAt(extra, 'primary.service.ports.postgresql') ?? DEFAULT_PORT) || DEFAULT_PORT, sslmode: 'verify-full', caCert: await this.tls.caPem(ctx, this.recorded(ctx), release) };
    }
    const port = Number(valueAt(extra, 'primary.service.ports.postgresql') ?? DEFAULT_PORT) || DEFAULT_PORT;
    // The chart serves TLS only when told to (tls.enabled), with its own or a given certificate.
    const tls = valueAt(extra, 'tls.enabled') === true;
    // An adopted release keeps the host the Python operator published while the hold lasts.
    const host = this.holds(ctx) ? `${release}.${ctx.namespace}.svc.cluster.local` : this.ownHost(ctx, release);
    return { host, port, sslmode: tls ? 'require' : 'disable' };
  }

  /** The Service's name as this operator publishes it (no cluster domain: it need not be cluster.local). */
  private ownHost(ctx: ServerContext, release: string): string {
    return `${release}.${ctx.namespace}.svc`;
  }

  private hostDifference(ctx: ServerContext, release: string, endpoint: Endpoint): string[] {
    const own = this.ownHost(ctx, release);
    return endpoint.host === own ? [] : [`endpoint host: ${endpoint.host} → ${own}`];
  }

  /**
   * The TLS choice (see server-tls.ts): what a release runs is read from its values, so releases
   * made before (or by the Python operator) keep theirs until the spec changes.
   */
  private tlsChoice(ctx: ServerContext, current: HelmValues | undefined): ServerTls {
    if (!this.tls) return { ...NO_TLS, generation: ctx.generation };
    return chooseServerTls(ctx, this.opts.tls!.settings, current ? this.tls.running(current, releaseName(ctx.namespace, ctx.name)) : undefined);
  }

  /** The choice observe recorded (create, update and adminConnection run after it); none yet: no TLS. */
  private recorded(ctx: ServerContext): ServerTls {
    return (this.tls && recordedTls(ctx.state)) || { ...NO_TLS, generation: ctx.generation };
  }

  private holds(ctx: ServerContext): boolean {
    return holdsAdoptedSettings(ctx, this.opts.applyAdoptionDifferences ?? false);
  }
}

/** The parameters' warning beside the observation's, and what waits for the window (release changes, a restart). */
function waitingFields(warning: string | undefined, params: ParameterObservation | undefined, held: WindowHold | undefined): Partial<ServerObservation> {
  const windowHold = joinHolds(held, params?.held);
  return {
    ...(params?.warning ? { warning: [warning, params.warning].filter(Boolean).join('; ') } : {}),
    ...(windowHold ? { maintenance: maintenanceStatus(windowHold), retryAfterSeconds: windowHold.retryAfterSeconds } : {}),
  };
}

/** The operator's own backup CronJob (bucket-backups.ts) in the observation: a difference for `update`, or kept while an adopted release's hold lasts. */
function withOwnCronJob(observed: ServerObservation, own: BackupObservation, held: boolean): ServerObservation {
  if (held) return own.differs ? { ...observed, adoptionDifferences: [...(observed.adoptionDifferences ?? []), `${KEPT} ${BACKUP_DIFFERENCE} (the Python operator scheduled no backups)`] } : observed;
  const warning = [observed.warning, own.warning].filter(Boolean).join('; ');
  const differences = own.differs ? [...(observed.differences ?? []), BACKUP_DIFFERENCE] : observed.differences;
  return { ...observed, ...(own.differs ? { upToDate: false, differences } : {}), ...(warning ? { warning } : {}) };
}

/**
 * Why a release cannot become a ready server without a helm upgrade (undefined when it can): its
 * StatefulSet is gone (deleted by hand, or by a resize that was interrupted), its last helm
 * operation failed (the handler would wait on it forever), or it is not ready and its values
 * differ from the desired ones (e.g. images that cannot be pulled since Bitnami moved them, and
 * the admin has since configured a registry override).
 */
function incompleteRelease(release: string, head: HelmRevision, sts: k8s.V1StatefulSet | undefined, ready: boolean, differences: string[]): string | undefined {
  if (!sts) return `StatefulSet ${release} of the Helm release is missing`;
  if (head.status === 'failed') return failedMessage(head);
  if (!ready && differences.length > 0) return `release ${release} is not ready and differs from the desired values: ${differences.join('; ')}`;
  return undefined;
}

function failedMessage(head: HelmRevision): string {
  return `the last helm operation failed: ${head.description || 'no reason given'}`;
}

/** The operator's own labels for the chart's `commonLabels`; the chart sets the app.kubernetes.io ones itself. */
function ownLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !key.startsWith('app.kubernetes.io/')));
}

function gibibytes(size: unknown): number | undefined {
  const match = typeof size === 'string' ? /^(\d+)Gi$/.exec(size) : null;
  return match ? Number(match[1]) : undefined;
}

function splitHostPort(hostPort: string): [string, number] {
  const at = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, at), Number(hostPort.slice(at + 1))];
}
