import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCluster, deleteCluster, describeClusters, modifyCluster } from './clusters.js';
import { createInstance, deleteInstance, describeInstances, modifyInstance, runInstanceMaintenance } from './instances.js';
import { DEFAULT_CATALOG, RdsModel } from './model.js';
import type { EndpointFor, EngineCatalog, EngineHooks } from './model.js';
import { Params, RdsFault } from './params.js';
import type { ClusterRecord, Delays, InstanceRecord } from './state.js';
import { errorXml, responseXml } from './xml.js';

/**
 * A local emulator of the RDS Query API (API version 2014-10-31) for the AWS SDK: form-encoded
 * `Action=…` requests, XML answers and faults, instances and Aurora clusters going through
 * creating → available → modifying → deleting → gone. Each operation lasts `delays` (ms); tests
 * use 0 or a long delay plus `settle()` to step deterministically.
 */
export interface RdsEmulatorOptions {
  region?: string;
  delays?: Partial<Delays>;
  catalog?: EngineCatalog;
  /** Where instances say they listen (default: a made-up RDS host name, port 5432). */
  endpoint?: EndpointFor;
  /** Mirror RDS's work inside the engine (master user, password changes) into a real PostgreSQL. */
  hooks?: EngineHooks;
}

export interface RecordedCall {
  action: string;
  params: Record<string, string>;
  /** The access key id and the region from the SigV4 Authorization header's credential scope. */
  accessKeyId?: string;
  signedRegion?: string;
}

export interface InjectedFault {
  /** Only requests of this action fail; any action when unset. */
  action?: string;
  code: string;
  message?: string;
  status?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface RdsEmulator {
  url: string;
  region: string;
  calls: RecordedCall[];
  /** Calls of one action, in order. */
  callsOf(action: string): RecordedCall[];
  instance(id: string): InstanceRecord | undefined;
  cluster(id: string): ClusterRecord | undefined;
  snapshots: Set<string>;
  clusterSnapshots: Set<string>;
  /** The master password RDS would accept now (instance or cluster). */
  masterPassword(id: string): string | undefined;
  /** Errors of the engine hooks (each makes the API answer 500 from then on). */
  hookErrors: Error[];
  /** Completes every running operation now. */
  settle(): void;
  /** Runs the maintenance window of an instance: deferred modifications start. */
  runMaintenance(id: string): void;
  /** Puts an instance or cluster into `status` (e.g. backing-up, stopped) until `settle()`. */
  hold(id: string, status: string): void;
  setDelays(delays: Partial<Delays>): void;
  /** The next matching request(s) fail with this fault. */
  inject(fault: InjectedFault): void;
  /**
   * Modify calls are answered as usual but this parameter (e.g. `BackupRetentionPeriod`,
   * `ServerlessV2ScalingConfiguration.MinCapacity`) is never applied: an RDS-compatible API that
   * ignores a setting, or a value the cloud keeps at its own. `calls` still shows what was sent.
   */
  neverApply(parameter: string): void;
  /** Applies every parameter again. */
  applyAll(): void;
  close(): Promise<void>;
}

type Handler = (model: RdsModel, p: Params) => Record<string, unknown>;

const HANDLERS: Record<string, Handler> = {
  CreateDBInstance: createInstance,
  DescribeDBInstances: describeInstances,
  ModifyDBInstance: modifyInstance,
  DeleteDBInstance: deleteInstance,
  CreateDBCluster: createCluster,
  DescribeDBClusters: describeClusters,
  ModifyDBCluster: modifyCluster,
  DeleteDBCluster: deleteCluster,
  DescribeDBEngineVersions: describeEngineVersions,
  AddTagsToResource: addTags,
};

export async function startRdsEmulator(options: RdsEmulatorOptions = {}): Promise<RdsEmulator> {
  const region = options.region ?? 'eu-central-1';
  const model = new RdsModel(region, { create: 0, modify: 0, delete: 0, password: 0, ...options.delays }, options.catalog ?? DEFAULT_CATALOG);
  model.hooks = options.hooks ?? {};
  model.endpointFor = options.endpoint;
  const calls: RecordedCall[] = [];
  const faults: InjectedFault[] = [];
  const ignored = new Set<string>();

  const handle = async (req: IncomingMessage, body: string, res: ServerResponse): Promise<void> => {
    const params = Params.parse(body);
    const action = params.str('Action') ?? '';
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '');
    calls.push({ action, params: params.raw, accessKeyId: scope?.[1], signedRegion: scope?.[2] });
    try {
      if (req.method !== 'POST' || params.str('Version') !== '2014-10-31') throw new RdsFault('InvalidAction', `unsupported request ${req.method} ${action}`);
      const fault = takeFault(faults, action);
      if (fault) throw new RdsFault(fault.code, fault.message ?? `injected ${fault.code}`, fault.status ?? 400);
      const handler = HANDLERS[action];
      if (!handler) throw new RdsFault('InvalidAction', `The action ${action} is not valid for this web service.`);
      model.tick();
      await model.engineSettled();
      const result = handler(model, action.startsWith('Modify') ? withoutIgnored(body, ignored) : params);
      send(res, 200, responseXml(action, result));
    } catch (error) {
      if (error instanceof RdsFault) send(res, error.status, errorXml(error.code, error.message));
      else send(res, 500, errorXml('InternalFailure', String(error)));
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    region,
    calls,
    callsOf: (action) => calls.filter((c) => c.action === action),
    instance: (id) => model.instances.get(id.toLowerCase()),
    cluster: (id) => model.clusters.get(id.toLowerCase()),
    snapshots: model.snapshots,
    clusterSnapshots: model.clusterSnapshots,
    hookErrors: model.hookErrors,
    masterPassword: (id) => (model.instances.get(id.toLowerCase()) ?? model.clusters.get(id.toLowerCase()))?.masterPassword,
    settle: () => model.tick(true),
    runMaintenance: (id) => runInstanceMaintenance(model, model.instance(id)),
    hold: (id, status) => {
      const target = model.instances.get(id.toLowerCase()) ?? model.cluster(id);
      target.transitions.unshift({ status, at: Number.MAX_SAFE_INTEGER, run: () => undefined });
    },
    setDelays: (delays) => {
      model.delays = { ...model.delays, ...delays };
    },
    inject: (fault) => faults.push({ times: 1, ...fault }),
    neverApply: (parameter) => void ignored.add(parameter),
    applyAll: () => ignored.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The request as the handlers see it, without the parameters the emulator never applies. */
function withoutIgnored(body: string, ignored: ReadonlySet<string>): Params {
  const form = new URLSearchParams(body);
  for (const name of ignored) {
    for (const key of [...form.keys()]) if (key === name || key.startsWith(`${name}.`)) form.delete(key);
  }
  return Params.parse(form.toString());
}

function takeFault(faults: InjectedFault[], action: string): InjectedFault | undefined {
  const index = faults.findIndex((f) => !f.action || f.action === action);
  const fault = faults[index];
  if (!fault) return undefined;
  fault.times = (fault.times ?? 1) - 1;
  if (fault.times <= 0) faults.splice(index, 1);
  return fault;
}

function send(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

function describeEngineVersions(model: RdsModel, p: Params): Record<string, unknown> {
  const engine = p.str('Engine') ?? 'postgres';
  const requested = p.str('EngineVersion');
  const offered = model.catalog[engine] ?? [];
  let versions = requested ? offered.filter((v) => v === requested || v.split('.')[0] === requested) : offered;
  if (p.bool('DefaultOnly')) versions = versions.slice(-1);
  return {
    DBEngineVersions: versions.map((v) => ({ Engine: engine, EngineVersion: v, MajorEngineVersion: v.split('.')[0], DBParameterGroupFamily: `${engine}${v.split('.')[0]}`, Status: 'available' })),
  };
}

function addTags(model: RdsModel, p: Params): Record<string, unknown> {
  const arn = p.str('ResourceName');
  const target = [...model.instances.values(), ...model.clusters.values()].find((r) => r.arn === arn);
  if (!target) throw new RdsFault(arn?.includes(':cluster:') ? 'DBClusterNotFoundFault' : 'DBInstanceNotFound', `${arn} not found`, 404);
  Object.assign(target.tags, p.tags());
  return {};
}
