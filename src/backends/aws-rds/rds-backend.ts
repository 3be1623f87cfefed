import type { DBInstance } from '@aws-sdk/client-rds';
import type { ActionResult, DeleteResult, Endpoint, PasswordResult, ServerContext, ServerObservation } from '../types.js';
import { hasDisruptivePending, planApply } from './apply-policy.js';
import { AwsBackendBase, type Sent } from './aws-backend.js';
import { compareInstance } from './compare.js';
import type { Comparison } from './compare.js';
import { desiredInstance } from './desired.js';
import type { DesiredInstance } from './desired.js';
import { hasCode } from './errors.js';
import { RDS_ENGINE, buildCreateInstance, buildDeleteInstance, buildModifyInstance, buildPasswordModifyInstance, toTags } from './instance-requests.js';
import type { MasterView } from './password.js';
import { isBusyFault } from './rds-api.js';
import { isQuiet, withoutPoll } from './status.js';
import type { AwsKind } from './validation.js';

/** `awsrds`: one RDS for PostgreSQL instance per PostgreSQLServer. */
export class AwsRdsBackend extends AwsBackendBase {
  readonly name = 'awsrds';
  protected readonly kind: AwsKind = 'rds';

  async observe(ctx: ServerContext): Promise<ServerObservation> {
    ctx = this.pinned(ctx);
    const want = this.desired(ctx);
    const have = await this.api.describeInstance(want.identifier);
    if (!have) {
      return { exists: false, ready: false, upToDate: false, message: `RDS instance ${want.identifier} does not exist`, state: withoutPoll(ctx.state) };
    }
    const endpoint = this.endpoint(have.Endpoint?.Address, have.Endpoint?.Port);
    return this.observation(ctx, `RDS instance ${want.identifier}`, have.DBInstanceStatus ?? 'unknown', compareInstance(want, have), endpoint);
  }

  async create(ctx: ServerContext): Promise<ActionResult> {
    ctx = this.pinned(ctx);
    const want = this.desired(ctx);
    const version = await this.api.defaultEngineVersion(RDS_ENGINE, want.major);
    const created = await this.api.createInstance(buildCreateInstance(want, version, ctx.adminPassword));
    if (created) this.log.info({ instance: want.identifier, version, class: want.instanceClass }, 'creating RDS instance');
    const message = created ? `creating RDS instance ${want.identifier} (PostgreSQL ${version})` : `RDS instance ${want.identifier} already exists`;
    return this.pending({ ...ctx, state: withoutPoll(ctx.state) }, message, 'creating');
  }

  async update(ctx: ServerContext, _observed?: ServerObservation): Promise<ActionResult> {
    ctx = this.pinned(ctx);
    const want = this.desired(ctx);
    const have = await this.api.describeInstance(want.identifier);
    if (!have) return this.pending(ctx, `RDS instance ${want.identifier} does not exist`, 'missing');
    const status = have.DBInstanceStatus ?? 'unknown';
    if (!isQuiet(status)) return { ...this.pending(ctx, `waiting for RDS instance ${want.identifier} to be available (it is ${status})`, status), addressed: [] };
    const cmp = compareInstance(want, have);
    const done: string[] = [];
    const addressed: string[] = [];
    if (Object.keys(cmp.missingTags).length > 0 && have.DBInstanceArn) {
      await this.api.addTags(have.DBInstanceArn, toTags(cmp.missingTags));
      done.push('tags updated');
      addressed.push(...cmp.differences.filter((d) => d.field === 'tags').map((d) => d.message));
    }
    const modified = await this.modify(want, have, cmp);
    if (modified === 'busy') return { ...this.pending(ctx, `RDS instance ${want.identifier} cannot be modified right now`, status), addressed };
    if (modified) {
      done.push(modified.text);
      addressed.push(...modified.addressed);
    }
    return { ...this.pending(ctx, done.length > 0 ? done.join('; ') : 'nothing to change', 'modifying'), addressed };
  }

  async setAdminPassword(ctx: ServerContext, password: string, _endpoint?: Endpoint): Promise<PasswordResult> {
    ctx = this.pinned(ctx);
    const id = this.identifier(ctx);
    const view = (i: DBInstance | undefined): MasterView | undefined =>
      i && { status: i.DBInstanceStatus ?? 'unknown', passwordPending: Boolean(i.PendingModifiedValues?.MasterUserPassword) };
    return this.changePassword(ctx, password, {
      read: async () => view(await this.api.describeInstance(id)),
      send: async (pw) => view(await this.api.modifyInstance(buildPasswordModifyInstance(id, pw))),
    });
  }

  async delete(ctx: ServerContext): Promise<DeleteResult> {
    ctx = this.pinned(ctx);
    // Identity only (ADR 0013): never the desired state, which may no longer be computable.
    const id = this.identifier(ctx);
    const have = await this.api.describeInstance(id);
    if (!have) return { gone: true, message: `RDS instance ${id} is gone`, state: {} };
    const status = have.DBInstanceStatus ?? 'unknown';
    if (status === 'deleting') return this.deleting(ctx, `RDS instance ${id} is being deleted`, status);
    if (have.DeletionProtection) {
      return this.blocked(`RDS instance ${id} has deletion protection: turn it off in AWS to let the operator delete it (the config's deletion_protection sets it on new instances)`, ctx.state);
    }
    const snapshot = this.finalSnapshot(ctx.state, id);
    try {
      await this.api.deleteInstance(buildDeleteInstance(id, snapshot));
    } catch (error) {
      if (hasCode(error, 'DBInstanceNotFound')) return { gone: true, message: `RDS instance ${id} is gone`, state: {} };
      // A name taken by an earlier attempt: the next try uses a fresh timestamp.
      if (hasCode(error, 'DBSnapshotAlreadyExists')) return this.deleting({ ...ctx, state: withoutSnapshot(ctx.state) }, `final snapshot ${snapshot} already exists; retrying with a new name`, status);
      if (isBusyFault(error)) return this.deleting(ctx, `RDS instance ${id} is ${status}; deleting it once RDS allows`, status);
      throw this.api.fail(error, `deleting RDS instance ${id}`);
    }
    this.log.info({ instance: id, finalSnapshot: snapshot ?? 'skipped' }, 'deleting RDS instance');
    const what = snapshot ? `with final snapshot ${snapshot}` : 'without final snapshot';
    return this.deleting(ctx, `deleting RDS instance ${id} ${what}`, 'deleting', snapshot ? { finalSnapshot: snapshot } : {});
  }

  private desired(ctx: ServerContext): DesiredInstance {
    return { ...desiredInstance(this.ref(ctx), this.section), identifier: this.identifier(ctx) };
  }

  /** Sends one Modify for the differences the apply policy lets through; answers what it did. */
  private async modify(want: DesiredInstance, have: DBInstance, cmp: Comparison): Promise<Sent | 'busy' | undefined> {
    const fields = cmp.differences.map((d) => d.field).filter((f) => f !== 'tags');
    if (fields.length === 0) return undefined;
    const plan = planApply(this.section.apply_changes, fields, hasDisruptivePending(have.PendingModifiedValues));
    const engineVersion = plan.fields.includes('engineVersion') && cmp.upgradeTo ? await this.api.defaultEngineVersion(RDS_ENGINE, cmp.upgradeTo) : undefined;
    try {
      await this.api.modifyInstance(buildModifyInstance(want, plan, { engineVersion, allocatedGB: have.AllocatedStorage }));
    } catch (error) {
      if (isBusyFault(error)) return 'busy';
      throw error;
    }
    const changed = cmp.differences.filter((d) => plan.fields.includes(d.field)).map((d) => d.message);
    this.log.info({ instance: want.identifier, changes: changed, applyImmediately: plan.applyImmediately }, 'modifying RDS instance');
    return { text: `modifying ${changed.join(', ')} (${plan.applyImmediately ? 'now' : 'in the maintenance window'})`, addressed: changed };
  }
}

function withoutSnapshot(state: ServerContext['state']): ServerContext['state'] {
  const { finalSnapshot: _s, ...rest } = state;
  return rest;
}
