import {
  AddTagsToResourceCommand,
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type {
  CreateDBClusterMessage,
  CreateDBInstanceMessage,
  DBCluster,
  DBInstance,
  DeleteDBClusterMessage,
  DeleteDBInstanceMessage,
  ModifyDBClusterMessage,
  ModifyDBInstanceMessage,
  RDSClientConfig,
  Tag,
} from '@aws-sdk/client-rds';
import { Reason } from '../../api/conditions.js';
import { PermanentError } from '../errors.js';
import { countCalls, type CallCounter } from './call-counter.js';
import { hasCode, translate } from './errors.js';
import type { ErrorTiming } from './errors.js';

export interface RdsApiOptions {
  region: string;
  /** Endpoint override (VPC interface endpoint, FIPS, local emulator). */
  endpoint?: string;
  /** Extra SDK settings (tests: static credentials). Without credentials the SDK's default chain is used. */
  clientConfig?: RDSClientConfig;
  timing: ErrorTiming;
  /** How long a looked-up default engine version is reused. */
  engineVersionTtlMs?: number;
  /** Told about every request sent to RDS (the cloud call metric). */
  onCall?: CallCounter;
}

/**
 * The few RDS calls the backends make, with errors translated to the backend contract.
 * Not-found answers of Describe calls become `undefined`; nothing here waits or polls.
 */
export class RdsApi {
  readonly client: RDSClient;
  private readonly timing: ErrorTiming;
  private readonly versionCache = new Map<string, { version: string; at: number }>();
  private readonly versionTtlMs: number;

  constructor(options: RdsApiOptions) {
    this.timing = options.timing;
    this.versionTtlMs = options.engineVersionTtlMs ?? 60 * 60 * 1000;
    this.client = new RDSClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      // A few quick SDK retries for blips; longer waits are the reconcile loop's job.
      maxAttempts: 3,
      requestHandler: { requestTimeout: 30_000, connectionTimeout: 10_000 },
      ...options.clientConfig,
    });
    if (options.onCall) countCalls(this.client, options.onCall);
  }

  async describeInstance(id: string): Promise<DBInstance | undefined> {
    try {
      const out = await this.client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      return out.DBInstances?.[0];
    } catch (error) {
      if (hasCode(error, 'DBInstanceNotFound')) return undefined;
      throw this.fail(error, `describing RDS instance ${id}`);
    }
  }

  async describeCluster(id: string): Promise<DBCluster | undefined> {
    try {
      const out = await this.client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
      return out.DBClusters?.[0];
    } catch (error) {
      if (hasCode(error, 'DBClusterNotFoundFault')) return undefined;
      throw this.fail(error, `describing Aurora cluster ${id}`);
    }
  }

  /**
   * The default full version RDS offers for `major` of `engine` in this region (e.g. 16 → 16.6).
   * Validates the version table in the config against what RDS really offers.
   */
  async defaultEngineVersion(engine: string, major: string): Promise<string> {
    const key = `${engine}/${major}`;
    const cached = this.versionCache.get(key);
    if (cached && Date.now() - cached.at < this.versionTtlMs) return cached.version;
    let versions;
    try {
      const out = await this.client.send(new DescribeDBEngineVersionsCommand({ Engine: engine, EngineVersion: major, DefaultOnly: true }));
      versions = out.DBEngineVersions ?? [];
    } catch (error) {
      throw this.fail(error, `looking up ${engine} ${major} versions`);
    }
    const version = versions.find((v) => v.EngineVersion?.split('.')[0] === major)?.EngineVersion;
    if (!version) {
      throw new PermanentError(`AWS offers no ${engine} ${major} in this region; choose another version (or fix engine_versions in the operator config)`, Reason.InvalidSpec);
    }
    this.versionCache.set(key, { version, at: Date.now() });
    return version;
  }

  /** Creates an instance; true when it was created now, false when it already existed. */
  async createInstance(request: CreateDBInstanceMessage): Promise<boolean> {
    try {
      await this.client.send(new CreateDBInstanceCommand(request));
      return true;
    } catch (error) {
      if (hasCode(error, 'DBInstanceAlreadyExists')) return false;
      throw this.fail(error, `creating RDS instance ${request.DBInstanceIdentifier}`);
    }
  }

  async createCluster(request: CreateDBClusterMessage): Promise<boolean> {
    try {
      await this.client.send(new CreateDBClusterCommand(request));
      return true;
    } catch (error) {
      if (hasCode(error, 'DBClusterAlreadyExistsFault')) return false;
      throw this.fail(error, `creating Aurora cluster ${request.DBClusterIdentifier}`);
    }
  }

  /** Modifies an instance; returns the instance as RDS answered (with its pending values). */
  async modifyInstance(request: ModifyDBInstanceMessage): Promise<DBInstance | undefined> {
    try {
      return (await this.client.send(new ModifyDBInstanceCommand(request))).DBInstance;
    } catch (error) {
      throw this.fail(error, `modifying RDS instance ${request.DBInstanceIdentifier}`);
    }
  }

  async modifyCluster(request: ModifyDBClusterMessage): Promise<DBCluster | undefined> {
    try {
      return (await this.client.send(new ModifyDBClusterCommand(request))).DBCluster;
    } catch (error) {
      throw this.fail(error, `modifying Aurora cluster ${request.DBClusterIdentifier}`);
    }
  }

  async addTags(arn: string, tags: Tag[]): Promise<void> {
    try {
      await this.client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tags }));
    } catch (error) {
      throw this.fail(error, `tagging ${arn}`);
    }
  }

  /** Starts deleting an instance. Errors are passed through untranslated for the caller to judge. */
  async deleteInstance(request: DeleteDBInstanceMessage): Promise<void> {
    await this.client.send(new DeleteDBInstanceCommand(request));
  }

  async deleteCluster(request: DeleteDBClusterMessage): Promise<void> {
    await this.client.send(new DeleteDBClusterCommand(request));
  }

  fail(error: unknown, what: string): Error {
    return translate(error, what, this.timing);
  }

  close(): void {
    this.client.destroy();
  }
}

/** Whether a state fault means "not now" (creating, modifying, deleting …): look again later. */
export function isBusyFault(error: unknown): boolean {
  return hasCode(error, 'InvalidDBInstanceState', 'InvalidDBClusterStateFault');
}
