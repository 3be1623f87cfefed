import { Reason } from '../../api/conditions.js';
import type { ServerSpec } from '../../api/types.js';
import { backendSection } from '../../config/backend-section.js';
import type { ExternalSection } from '../../config/sections/external.js';
import type { KubeClients } from '../../k8s/clients.js';
import { mergePatchOptions } from '../../k8s/patch.js';
import { openSession, SqlState, sqlState } from '../../postgres/index.js';
import { applyAdminPassword } from '../common/admin-password.js';
import { PermanentError } from '../errors.js';
import type {
  ActionResult,
  AdminConnection,
  BackendDeps,
  BackendFactory,
  DatabasePolicy,
  DeleteResult,
  Endpoint,
  PasswordResult,
  Problem,
  ServerBackend,
  ServerContext,
  ServerObservation,
  ValidationResult,
} from '../types.js';
import { PENDING_KEY, readAdminSecret, KEYS, type AdminSecret, type AdminSource } from './admin-secret.js';
import { missingRights, readRights } from './rights.js';

/**
 * A PostgreSQL server that exists already: the operator only creates databases and roles in it.
 * It never creates, changes or deletes the server; deleting the PostgreSQLServer forgets it. The
 * admin credentials come from a Secret (the server's namespace, or the operator's for servers the
 * config declares) and are checked on every observe: connect, then CREATEDB and CREATEROLE (or
 * superuser). The admin password changes only on request, and only when the Secret is ours.
 */
export class ExternalBackend implements ServerBackend {
  readonly name = 'external';

  constructor(
    private readonly kube: KubeClients,
    private readonly section: ExternalSection,
    private readonly operatorNamespace: string,
  ) {}

  validate(spec: ServerSpec, meta: { namespace: string; name: string }): ValidationResult {
    const problems = refProblems(spec, meta.namespace, this.section);
    if (problems.length) return { ok: false, problems };
    // The real version is learnt by observe (ServerObservation.version).
    return { ok: true, resolved: { version: spec.version === undefined || spec.version === '' ? 'unknown' : String(spec.version) } };
  }

  async observe(ctx: ServerContext): Promise<ServerObservation> {
    const admin = await this.connection(ctx);
    const rights = await this.withClient(admin, readRights);
    const missing = missingRights(rights);
    if (missing.length) {
      const grant = missing.join(' ');
      throw new PermanentError(
        `${who(admin)} lacks ${missing.join(' and ')} on ${admin.host}:${admin.port}; grant it (ALTER ROLE ... ${grant}) or give a superuser`,
        Reason.MissingPrivilege,
      );
    }
    const endpoint: Endpoint = { host: admin.host, port: admin.port, sslmode: admin.sslmode, caCert: admin.caCert };
    return { exists: true, ready: true, upToDate: true, endpoint, version: rights.version, message: admin.confidential ? 'reachable' : `reachable as ${admin.user}` };
  }

  async create(): Promise<ActionResult> {
    // observe always answers `exists`: an external server is never created.
    return { message: 'an external server is not created by the operator', retryAfterSeconds: 30 };
  }

  async update(): Promise<ActionResult> {
    return { message: 'an external server is not changed by the operator', retryAfterSeconds: 30 };
  }

  async delete(): Promise<DeleteResult> {
    return { gone: true, message: 'external server forgotten; the server, its databases and its admin Secret are left as they are' };
  }

  async setAdminPassword(ctx: ServerContext, password: string): Promise<PasswordResult> {
    const source = this.source(ctx);
    const secret = await this.read(source);
    if (source.confidential || !secret.ownerUids.includes(ctx.uid)) {
      return {
        applied: false,
        refused: true,
        message: `admin password not changed: Secret ${source.namespace}/${source.secretName} is not owned by this PostgreSQLServer, so a new password could not be written back; change it on the server and in the Secret yourself`,
      };
    }
    if (secret.connection.password === password) return { applied: true, message: 'admin password in place' };
    // Written down before PostgreSQL learns it: after a kill the Secret still names it.
    if (secret.pending !== password) await this.patchSecret(source, { [PENDING_KEY]: password });
    const result = await applyAdminPassword(secret.connection, password);
    if (!result.applied) return result;
    await this.patchSecret(source, { [KEYS.password]: password, [PENDING_KEY]: null });
    return { applied: true, message: `admin password changed and written to Secret ${source.secretName}` };
  }

  async adminConnection(ctx: ServerContext): Promise<AdminConnection> {
    return this.connection(ctx);
  }

  databasePolicy(): DatabasePolicy {
    // Other people's databases and roles live on an existing server: only claimed ones are ours.
    return { dropOnDelete: !this.section.database_delete_fake, allowedExtensions: this.section.allowed_extensions, adoptUnclaimed: false };
  }

  /** The admin connection that works: the Secret's password, or a reset's pending one after a kill. */
  private async connection(ctx: ServerContext): Promise<AdminConnection> {
    const secret = await this.read(this.source(ctx));
    if (!secret.pending) return secret.connection;
    try {
      await (await openSession(secret.connection)).end();
      return secret.connection;
    } catch (err) {
      if (sqlState(err) !== SqlState.InvalidPassword) throw err;
      return { ...secret.connection, password: secret.pending };
    }
  }

  private async read(source: AdminSource): Promise<AdminSecret> {
    const read = await readAdminSecret(this.kube, source);
    if (!read.ok) throw new PermanentError(read.message, Reason.InvalidSpec);
    return read.secret;
  }

  private async withClient<T>(admin: AdminConnection, use: (client: Awaited<ReturnType<typeof openSession>>) => Promise<T>): Promise<T> {
    let client;
    try {
      client = await openSession(admin);
    } catch (err) {
      if (sqlState(err) === SqlState.InvalidPassword) {
        throw new PermanentError(`the server at ${admin.host}:${admin.port} refuses the admin Secret's username or password`, Reason.InvalidSpec);
      }
      throw err;
    }
    try {
      return await use(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private source(ctx: ServerContext): AdminSource {
    const ref = ctx.spec.external;
    if (ref?.server) {
      const entry = this.section.servers[ref.server];
      if (!entry) throw new PermanentError(`spec.external.server: no server "${ref.server}" in the operator config`, Reason.InvalidSpec);
      return {
        namespace: this.operatorNamespace,
        secretName: entry.admin_secret,
        fixed: { host: entry.host, port: entry.port ?? 5432, sslmode: entry.sslmode ?? 'verify-full' },
        confidential: true,
      };
    }
    if (!ref?.adminSecretRef) throw new PermanentError('spec.external.adminSecretRef or spec.external.server is required', Reason.InvalidSpec);
    return { namespace: ctx.namespace, secretName: ref.adminSecretRef.name, confidential: false };
  }

  private async patchSecret(source: AdminSource, data: Record<string, string | null>): Promise<void> {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v === null ? null : Buffer.from(v, 'utf8').toString('base64')]));
    await this.kube.core.patchNamespacedSecret({ namespace: source.namespace, name: source.secretName, body: { data: encoded } }, mergePatchOptions());
  }
}

/** The spec.external checks that need the config, without I/O. */
export function refProblems(spec: ServerSpec, namespace: string, section: ExternalSection): Problem[] {
  const ref = spec.external;
  const field = 'spec.external';
  if (!ref || (!ref.adminSecretRef && !ref.server)) return [{ reason: Reason.InvalidSpec, field, message: 'backend external needs spec.external.adminSecretRef or spec.external.server' }];
  if (ref.adminSecretRef && ref.server) return [{ reason: Reason.InvalidSpec, field, message: 'give either adminSecretRef or server, not both' }];
  if (!ref.server) return [];
  const entry = section.servers[ref.server];
  if (!entry) {
    const known = Object.keys(section.servers);
    return [{ reason: Reason.InvalidSpec, field: `${field}.server`, message: `no server "${ref.server}" is declared in the operator config; known: ${known.join(', ') || 'none'}` }];
  }
  if (entry.namespaces?.length && !entry.namespaces.includes(namespace)) {
    return [{ reason: Reason.NotPermitted, field: `${field}.server`, message: `server "${ref.server}" is not offered to namespace ${namespace}` }];
  }
  return [];
}

export const createExternalBackend: BackendFactory = (deps: BackendDeps) => {
  const section = backendSection<ExternalSection>(deps.config, 'external');
  const namespace = section.secrets_namespace || process.env.POD_NAMESPACE || deps.kube.kc.getContextObject(deps.kube.kc.getCurrentContext())?.namespace || 'default';
  return new ExternalBackend(deps.kube, section, namespace);
};

/** The admin user as status may name it: a config-declared (confidential) server's username stays out of the CR. */
function who(admin: { user: string; confidential?: boolean }): string {
  return admin.confidential ? 'the admin user' : `admin user "${admin.user}"`;
}
