import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { ActionResult, DeleteResult, Endpoint, PasswordResult, ServerContext, ServerObservation } from '../types.js';
import { hasDisruptivePending, planApply } from './apply-policy.js';
import { AwsBackendBase, type Sent } from './aws-backend.js';
import { compareCluster, compareWriter } from './compare.js';
import type { Comparison, Field } from './compare.js';
import { AURORA_ENGINE, buildCreateCluster, buildCreateWriter, buildDeleteCluster, buildModifyCluster, buildModifyWriter, buildPasswordModifyCluster } from './cluster-requests.js';
import { desiredCluster } from './desired.js';
import type { DesiredCluster } from './desired.js';
import { hasCode } from './errors.js';
import { writerIdentifier } from './identifiers.js';
import { toTags } from './instance-requests.js';
import type { MasterView } from './password.js';
import { isBusyFault } from './rds-api.js';
import { isQuiet, withoutPoll } from './status.js';
import type { AwsKind } from './validation.js';

/** `awsaurora`: an Aurora PostgreSQL cluster with one writer instance `<cluster>-primary`. */
export class AwsAuroraBackend extends AwsBackendBase {
  readonly name = 'awsaurora';
  protected readonly kind: AwsKind = 'aurora';

  async observe(ctx: ServerContext): Promise<ServerObservation> {
    ctx = this.pinned(ctx);
    const want = this.desired(ctx);
    const cluster = await this.api.describeCluster(want.identifier);
    if (!cluster) return this.absent(ctx, `Aurora cluster ${want.identifier} does not exist`);
    const writer = await this.api.describeInstance(want.writerIdentifier);
    // `create` is idempotent and adds the missing writer.
    if (!writer) return this.absent(ctx, `Aurora cluster ${want.identifier} has no writer instance ${want.writerIdentifier}`);
    const clusterStatus = cluster.Status ?? 'unknown';
    const writerStatus = writer.DBInstanceStatus ?? 'unknown';
    // The writer's status first: it is what serves connections.
    const status = isQuiet(writerStatus) ? clusterStatus : writerStatus;
    const endpoint = this.endpoint(cluster.Endpoint, cluster.Port);
    return this.observation(ctx, `Aurora cluster ${want.identifier}`, status, merge(compareCluster(want, cluster, writer.DBInstanceClass), compareWriter(want, writer)), endpoint);
  }

  async create(ctx: ServerContext): Promise<ActionResult> {
    ctx = this.pinned(ctx);
    const want = this.desired(ctx);
    const version = await this.api.defaultEngineVersion(AURORA_ENGINE, want.major);
    const clusterCreated = await this.api.createCluster(buildCreateCluster(want, version, ctx.adminPassword));
    if (clusterCreated) this.log.info({ cluster: want.identifier, version }, 'creating Aurora cluster');
    let writerCreated: boolean;
    try {
      writerCreated = await this.api.createInstance(buildCreateWriter(want));
    } catch (error) {
      if (!isBusyFault(error)) throw error;
      return this.pending({ ...ctx, state: withoutPoll(ctx.state) }, `Aurora cluster ${want.identifier} is not ready for its writer yet`, 'creating');
    }
    if (writerCreated) this.log.info({ instance: want.writerIdentifier, class: want.instanceClass }, 'creating Aurora writer instance');
    const parts = [clusterCreated ? `creating Aurora cluster ${want.identifier} (PostgreSQL ${version})` : `Aurora cluster ${want.identifier} exists`];
    parts.push(writerCreated ? `creating writer ${want.writerIdentifier}` : `writer ${want.writerIdentifier} exists`);
    return this.pending({ ...ctx, state: withoutPoll(ctx.state) }, parts.join('; '), 'creating');
  }

  async update(ctx: ServerContext, _observed?: ServerObservation): Promise<ActionResult> {
    ctx = this.pinned(ctx);
    const want = this.desired(ctx);
    const cluster = await this.api.describeCluster(want.identifier);
    const writer = await this.api.describeInstance(want.writerIdentifier);
    if (!cluster || !writer) return this.pending(ctx, `Aurora cluster ${want.identifier} or its writer does not exist`, 'missing');
    const clusterCmp = compareCluster(want, cluster, writer.DBInstanceClass);
    const writerCmp = compareWriter(want, writer);
    const done = await this.tag(cluster, writer, clusterCmp, writerCmp);
    const addressed = [...tagMessages(clusterCmp), ...tagMessages(writerCmp)];
    // One Modify per reconcile: the cluster first, then the writer.
    const clusterFields = fieldsOf(clusterCmp);
    const writerFields = fieldsOf(writerCmp);
    let result: Sent | 'busy' | undefined;
    if (clusterFields.length > 0) result = await this.modifyCluster(want, cluster, clusterCmp, clusterFields);
    else if (writerFields.length > 0) result = await this.modifyWriter(want, writer, writerCmp, writerFields);
    if (result === 'busy') return { ...this.pending(ctx, `Aurora cluster ${want.identifier} cannot be modified right now`, cluster.Status ?? 'unknown'), addressed };
    if (result) {
      done.push(result.text);
      addressed.push(...result.addressed);
    }
    return { ...this.pending(ctx, done.length > 0 ? done.join('; ') : 'nothing to change', 'modifying'), addressed };
  }

  async setAdminPassword(ctx: ServerContext, password: string, _endpoint?: Endpoint): Promise<PasswordResult> {
    ctx = this.pinned(ctx);
    const id = this.identifier(ctx);
    const view = (c: DBCluster | undefined): MasterView | undefined =>
      c && { status: c.Status ?? 'unknown', passwordPending: Boolean(c.PendingModifiedValues?.MasterUserPassword) };
    return this.changePassword(ctx, password, {
      read: async () => view(await this.api.describeCluster(id)),
      send: async (pw) => view(await this.api.modifyCluster(buildPasswordModifyCluster(id, pw))),
    });
  }

  /** The writer first; the cluster once the writer is gone (RDS refuses to delete a cluster with members). */
  async delete(ctx: ServerContext): Promise<DeleteResult> {
    ctx = this.pinned(ctx);
    // Identity only (ADR 0013): never the desired state, which may no longer be computable.
    const want = { identifier: this.identifier(ctx), writerIdentifier: writerIdentifier(this.identifier(ctx)) };
    const cluster = await this.api.describeCluster(want.identifier);
    const writer = await this.api.describeInstance(want.writerIdentifier);
    if (!cluster && !writer) return { gone: true, message: `Aurora cluster ${want.identifier} is gone`, state: {} };
    // Checked before touching the writer: a protected cluster must not lose its instance.
    if (cluster?.DeletionProtection) {
      return this.blocked(`Aurora cluster ${want.identifier} has deletion protection: turn it off in AWS to let the operator delete it (the config's deletion_protection sets it on new clusters)`, ctx.state);
    }
    if (writer) return this.deleteWriter(ctx, want, writer);
    return this.deleteCluster(ctx, want, cluster as DBCluster);
  }

  private desired(ctx: ServerContext): DesiredCluster {
    const identifier = this.identifier(ctx);
    return { ...desiredCluster(this.ref(ctx), this.section), identifier, writerIdentifier: writerIdentifier(identifier) };
  }

  private absent(ctx: ServerContext, message: string): ServerObservation {
    return { exists: false, ready: false, upToDate: false, message, state: withoutPoll(ctx.state) };
  }

  private async tag(cluster: DBCluster, writer: DBInstance, clusterCmp: Comparison, writerCmp: Comparison): Promise<string[]> {
    const done: string[] = [];
    if (Object.keys(clusterCmp.missingTags).length > 0 && cluster.DBClusterArn) {
      await this.api.addTags(cluster.DBClusterArn, toTags(clusterCmp.missingTags));
      done.push('cluster tags updated');
    }
    if (Object.keys(writerCmp.missingTags).length > 0 && writer.DBInstanceArn) {
      await this.api.addTags(writer.DBInstanceArn, toTags(writerCmp.missingTags));
      done.push('writer tags updated');
    }
    return done;
  }

  private async modifyCluster(want: DesiredCluster, cluster: DBCluster, cmp: Comparison, fields: Field[]): Promise<Sent | 'busy'> {
    if (!isQuiet(cluster.Status)) return 'busy';
    const plan = planApply(this.section.apply_changes, fields, hasDisruptivePending(cluster.PendingModifiedValues));
    const engineVersion = plan.fields.includes('engineVersion') && cmp.upgradeTo ? await this.api.defaultEngineVersion(AURORA_ENGINE, cmp.upgradeTo) : undefined;
    try {
      await this.api.modifyCluster(buildModifyCluster(want, plan, engineVersion));
    } catch (error) {
      if (isBusyFault(error)) return 'busy';
      throw error;
    }
    return this.report(want.identifier, cmp, plan.fields, plan.applyImmediately, 'cluster');
  }

  private async modifyWriter(want: DesiredCluster, writer: DBInstance, cmp: Comparison, fields: Field[]): Promise<Sent | 'busy'> {
    if (!isQuiet(writer.DBInstanceStatus)) return 'busy';
    const plan = planApply(this.section.apply_changes, fields, hasDisruptivePending(writer.PendingModifiedValues));
    try {
      await this.api.modifyInstance(buildModifyWriter(want, plan));
    } catch (error) {
      if (isBusyFault(error)) return 'busy';
      throw error;
    }
    return this.report(want.writerIdentifier, cmp, plan.fields, plan.applyImmediately, 'writer');
  }

  private report(id: string, cmp: Comparison, fields: Field[], now: boolean, what: string): Sent {
    const changed = cmp.differences.filter((d) => fields.includes(d.field)).map((d) => d.message);
    this.log.info({ resource: id, changes: changed, applyImmediately: now }, `modifying Aurora ${what}`);
    return { text: `modifying ${what} ${changed.join(', ')} (${now ? 'now' : 'in the maintenance window'})`, addressed: changed };
  }

  private async deleteWriter(ctx: ServerContext, want: ClusterIds, writer: DBInstance): Promise<DeleteResult> {
    const status = writer.DBInstanceStatus ?? 'unknown';
    const id = want.writerIdentifier;
    if (status === 'deleting') return this.deleting(ctx, `deleting writer ${id}; the cluster follows`, status);
    try {
      // Aurora instances take no snapshot of their own: the cluster's final snapshot has the data.
      await this.api.deleteInstance({ DBInstanceIdentifier: id });
    } catch (error) {
      if (isBusyFault(error)) return this.deleting(ctx, `writer ${id} is ${status}; deleting it once RDS allows`, status);
      if (!hasCode(error, 'DBInstanceNotFound')) throw this.api.fail(error, `deleting Aurora writer ${id}`);
    }
    this.log.info({ instance: id }, 'deleting Aurora writer instance');
    return this.deleting(ctx, `deleting writer ${id}; the cluster follows`, 'deleting');
  }

  private async deleteCluster(ctx: ServerContext, want: ClusterIds, cluster: DBCluster): Promise<DeleteResult> {
    const id = want.identifier;
    const status = cluster.Status ?? 'unknown';
    if (status === 'deleting') return this.deleting(ctx, `Aurora cluster ${id} is being deleted`, status);
    const foreign = (cluster.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).filter((m) => m && m !== want.writerIdentifier);
    if (foreign.length > 0) {
      return this.blocked(`Aurora cluster ${id} still has instances the operator did not create (${foreign.join(', ')}): delete them in AWS first`, ctx.state);
    }
    const snapshot = this.finalSnapshot(ctx.state, id);
    try {
      await this.api.deleteCluster(buildDeleteCluster(id, snapshot));
    } catch (error) {
      if (hasCode(error, 'DBClusterNotFoundFault')) return { gone: true, message: `Aurora cluster ${id} is gone`, state: {} };
      if (hasCode(error, 'DBClusterSnapshotAlreadyExistsFault')) {
        const { finalSnapshot: _taken, ...rest } = ctx.state;
        return this.deleting({ ...ctx, state: rest }, `final snapshot ${snapshot} already exists; retrying with a new name`, status);
      }
      if (isBusyFault(error)) return this.deleting(ctx, `Aurora cluster ${id} is ${status}; deleting it once RDS allows`, status);
      throw this.api.fail(error, `deleting Aurora cluster ${id}`);
    }
    this.log.info({ cluster: id, finalSnapshot: snapshot ?? 'skipped' }, 'deleting Aurora cluster');
    const what = snapshot ? `with final snapshot ${snapshot}` : 'without final snapshot';
    return this.deleting(ctx, `deleting Aurora cluster ${id} ${what}`, 'deleting', snapshot ? { finalSnapshot: snapshot } : {});
  }
}

/** The tag differences `tag` sent AddTagsToResource for. */
function tagMessages(cmp: Comparison): string[] {
  return cmp.differences.filter((d) => d.field === 'tags').map((d) => d.message);
}

/** What identifies an Aurora server: the cluster and its writer instance. */
type ClusterIds = Pick<DesiredCluster, 'identifier' | 'writerIdentifier'>;

function fieldsOf(cmp: Comparison): Field[] {
  return cmp.differences.map((d) => d.field).filter((f) => f !== 'tags');
}

/** One comparison of cluster and writer together, for the observation. */
function merge(a: Comparison, b: Comparison): Comparison {
  return {
    differences: [...a.differences, ...b.differences],
    pending: [...a.pending, ...b.pending],
    warnings: [...a.warnings, ...b.warnings],
    upgradeTo: a.upgradeTo ?? b.upgradeTo,
    missingTags: { ...a.missingTags, ...b.missingTags },
  };
}
