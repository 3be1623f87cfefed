import type { PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import type { BackendRegistry } from '../backends/registry.js';
import type { AdminConnection, ResolvedServer, ServerBackend, ServerContext, ServerObservation } from '../backends/types.js';
import type { OperatorConfig } from '../config/types.js';
import { tryLogin, type LoginProof } from '../postgres/index.js';
import { chooseBackend } from '../handlers/backend-choice.js';
import { serverStoreName, STORE_PASSWORD } from '../handlers/names.js';
import type { SecretRead, SecretStore } from '../handlers/secret-store.js';
import { serverContext } from '../handlers/server-access.js';
import { pgNameFor, serverRefOf } from '../handlers/sharing.js';
import { ADOPT_UNPROVEN_ANNOTATION, adoptionRecord, KOPF_FINALIZER, optedInUnproven, pythonOperatorMarks, pythonOperatorNamespace, pythonTmpSecretName } from '../handlers/takeover.js';
import { FINALIZER } from '../api/constants.js';

/** What the takeover of one CR will do, as `migrate` prints it. */
export interface CrPlan {
  kind: 'PostgreSQLServer' | 'PostgreSQLDatabase';
  namespace: string;
  name: string;
  /** `takeover`: the Python operator's object, to be taken over; `done`: taken over before; `own`: not the Python operator's. */
  state: 'takeover' | 'done' | 'own';
  lines: string[];
  /** Why the takeover would stop (empty: it goes through). */
  blockers: string[];
}

export interface PlanDeps {
  config: OperatorConfig;
  backends: BackendRegistry;
  secrets: SecretStore;
  /** How a database's owner is read (a pool-free, read-only query as the admin). */
  databaseOwner(admin: AdminConnection, database: string): Promise<string | undefined>;
}

/** The admin credentials the takeover of a server would end up with, for its databases' plans. */
interface ServerAccessPlan {
  admin?: AdminConnection;
  proven: boolean;
}

/**
 * Read-only: for every server and database, what the takeover from the Python operator will do —
 * the credentials Secret adopted (proof: a login) or blocked and why, where the password comes
 * from, each setting that differs from what runs (the backend's read-only observe with the
 * adoption set), the finalizer swap. Nothing is written anywhere.
 */
export async function planTakeover(deps: PlanDeps, servers: PostgreSQLServer[], databases: PostgreSQLDatabase[]): Promise<CrPlan[]> {
  const plans: CrPlan[] = [];
  const access = new Map<string, ServerAccessPlan>();
  for (const server of servers) {
    const { plan, admin } = await planServer(deps, { ...server, kind: 'PostgreSQLServer' });
    access.set(`${server.metadata.namespace}/${server.metadata.name}`, admin);
    plans.push(plan);
  }
  for (const db of databases) {
    const ref = serverRefOf(db);
    plans.push(await planDatabase(deps, { ...db, kind: 'PostgreSQLDatabase' }, access.get(`${ref.namespace}/${ref.name}`)));
  }
  return plans;
}

function start(kind: CrPlan['kind'], obj: PostgreSQLServer | PostgreSQLDatabase): CrPlan {
  const marks = pythonOperatorMarks(obj);
  const state = obj.status?.adoption ? 'done' : marks.length ? 'takeover' : 'own';
  const lines =
    state === 'done'
      ? [`already taken over (${obj.status?.adoption?.at})`]
      : state === 'own'
        ? ['not from the Python operator (no kopf finalizer or annotation, no status.deployment): reconciled as usual']
        : [`from the Python operator: ${marks.join(', ')}`];
  if (obj.metadata.deletionTimestamp) lines.push('being deleted: this operator carries out the deletion (as the Python operator would have)');
  return { kind, namespace: obj.metadata.namespace, name: obj.metadata.name, state, lines, blockers: [] };
}

async function planServer(deps: PlanDeps, server: PostgreSQLServer): Promise<{ plan: CrPlan; admin: ServerAccessPlan }> {
  const plan = start('PostgreSQLServer', server);
  const checked = await checkServerSpec(deps, plan, server);
  if (!checked) return { plan, admin: { proven: false } };
  const credentials = await deps.secrets.read(server.metadata.namespace, server.spec.credentialsSecret, server.metadata.uid ?? '');
  const ctx = await planContext(deps, plan, server, checked.resolved, credentials);
  const observed = await checked.backend.observe(ctx);
  const admin = observed.exists && observed.endpoint ? await checked.backend.adminConnection(ctx, observed.endpoint) : undefined;
  plan.lines.push(serverLine(observed));
  const proven =
    plan.state === 'takeover'
      ? await credentialsPlan(deps, plan, { obj: server, credentials, login: admin && (() => tryLogin(admin)), whom: admin?.user ?? 'the admin', kind: 'server' })
      : checkOwnSecret(plan, server, credentials);
  describeDifferences(plan, observed);
  if (plan.state === 'takeover') plan.lines.push(finalizerLine(server));
  return { plan, admin: { admin, proven } };
}

/** The context `observe` gets: the admin password known so far, and the adoption (provisional before the takeover). */
async function planContext(deps: PlanDeps, plan: CrPlan, server: PostgreSQLServer, resolved: ResolvedServer, credentials: SecretRead): Promise<ServerContext> {
  const store = await deps.secrets.read(server.metadata.namespace, serverStoreName(server.metadata.name), server.metadata.uid ?? '');
  const password = (store.kind === 'owned' ? store.data[STORE_PASSWORD] : undefined) ?? secretPassword(credentials);
  const ctx = serverContext(server, resolved, password ?? '');
  ctx.adoption = server.status?.adoption ?? (plan.state === 'takeover' ? adoptionRecord(server) : undefined);
  return ctx;
}

/** Settings kept as they run (adopted servers) and what the first reconcile would change. */
function describeDifferences(plan: CrPlan, observed: ServerObservation): void {
  for (const difference of observed.adoptionDifferences ?? []) plan.lines.push(`differs from what runs: ${difference}`);
  if (!observed.upToDate && observed.exists && observed.differences?.length) plan.lines.push(`would change: ${observed.differences.join(', ')}`);
}

/** The backend and the resolved spec, or undefined when the spec blocks (recorded in the plan). */
async function checkServerSpec(deps: PlanDeps, plan: CrPlan, server: PostgreSQLServer): Promise<{ backend: ServerBackend; resolved: ResolvedServer } | undefined> {
  const choice = chooseBackend(server, deps.config);
  if ('problem' in choice) return void block(plan, choice.problem.message);
  plan.lines.push(`backend: ${choice.backend}`);
  if (server.spec.size?.storageGB === undefined) return void block(plan, 'spec.size.storageGB is missing: set it to the storage size the server has');
  const backend = await deps.backends.get(choice.backend);
  const checked = backend.validate(server.spec, { namespace: server.metadata.namespace, name: server.metadata.name });
  if (!checked.ok) return void block(plan, checked.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  return { backend, resolved: checked.resolved };
}

function secretPassword(credentials: SecretRead): string | undefined {
  if (credentials.kind === 'owned') return credentials.data.password;
  return credentials.kind === 'foreign' ? credentials.unowned?.data.password : undefined;
}

function serverLine(observed: ServerObservation): string {
  if (!observed.exists) return 'server: does not exist (it would be created)';
  const at = observed.endpoint ? ` at ${observed.endpoint.host}:${observed.endpoint.port}` : '';
  return `server: ${observed.ready ? 'running' : 'not ready'}${at}`;
}

async function planDatabase(deps: PlanDeps, db: PostgreSQLDatabase, server: ServerAccessPlan | undefined): Promise<CrPlan> {
  const plan = start('PostgreSQLDatabase', db);
  const { namespace } = db.metadata;
  const pgName = db.status?.database ?? pgNameFor(db, serverRefOf(db).namespace);
  plan.lines.push(`server: ${db.spec.serverRef.name}; database and role: ${pgName}`);
  const credentials = await deps.secrets.read(namespace, db.spec.credentialsSecret, db.metadata.uid ?? '');
  if (plan.state !== 'takeover') {
    checkOwnSecret(plan, db, credentials);
    return plan;
  }
  if (!server?.admin || !server.proven) return block(plan, `PostgreSQLServer ${db.spec.serverRef.name} is missing, not running or not taken over: the database waits for it`);
  const admin = server.admin;
  const login = (): Promise<LoginProof> => tryLogin({ ...admin, user: pgName, password: credentials.kind === 'foreign' ? (credentials.unowned?.data.password ?? '') : '', database: pgName });
  const named = credentials.kind === 'foreign' ? credentials.unowned?.data.username : undefined;
  if (named && named !== pgName) return block(plan, `Secret ${db.spec.credentialsSecret} names user ${named}, not the role ${pgName}`);
  const proven = await credentialsPlan(deps, plan, { obj: db, credentials, login, whom: `role ${pgName}`, kind: 'database' });
  const owner = await deps.databaseOwner(admin, pgName).catch(() => undefined);
  if (owner && owner !== pgName) plan.lines.push(`database owner: ${owner} → ${pgName} (so the role can create tables in schema public on PostgreSQL 15+; an OwnerChanged event says so)`);
  if (proven) plan.lines.push('no ALTER ROLE: the role keeps its password');
  plan.lines.push(finalizerLine(db));
  return plan;
}

/** The credentials Secret's fate and the password's source; returns whether the password is known to be the server's. */
interface CredentialsCase {
  obj: PostgreSQLServer | PostgreSQLDatabase;
  credentials: SecretRead;
  /** Logs in with the Secret's password; absent when the server does not exist. */
  login?: () => Promise<LoginProof>;
  /** Who the login is, for the report (`pyadmin`, `role app`). */
  whom: string;
  kind: 'server' | 'database';
}

async function credentialsPlan(deps: PlanDeps, plan: CrPlan, { obj, credentials, login, whom, kind }: CredentialsCase): Promise<boolean> {
  const secret = obj.spec.credentialsSecret;
  if (credentials.kind === 'owned') {
    plan.lines.push(`credentials: Secret ${secret} already owned by this ${obj.kind}; password source: that Secret`);
    return true;
  }
  if (credentials.kind === 'missing') {
    const tmp = pythonTmpSecretName(kind, obj.metadata.namespace, obj.metadata.name);
    const tmpNamespace = pythonOperatorNamespace(deps.config);
    const recovered = (await deps.secrets.peek(tmpNamespace, tmp))?.password;
    const source = recovered ? `the Python operator's tmp Secret ${tmpNamespace}/${tmp}` : 'a new password (no credentials or tmp Secret)';
    plan.lines.push(`credentials: Secret ${secret} missing; password source: ${source}, applied to the ${kind === 'server' ? 'server' : 'role'} first, then published`);
    return false;
  }
  if (!credentials.unowned) {
    block(plan, `Secret ${secret} belongs to ${credentials.owner}`);
    return false;
  }
  if (!credentials.unowned.data.password) {
    block(plan, `Secret ${secret} has no password key`);
    return false;
  }
  const proof = login ? await login() : undefined;
  if (proof?.result === 'ok') {
    plan.lines.push(`credentials: Secret ${secret} adopted (proof: login as ${whom} ok); values kept, ownerReference and label added; password source: that Secret`);
    return true;
  }
  if (proof?.result === 'refused') {
    block(plan, `Secret ${secret} does not log in as ${whom} (${proof.detail})`);
    return false;
  }
  const why = proof ? proof.detail : 'the server does not exist';
  if (optedInUnproven(obj)) {
    plan.lines.push(`credentials: Secret ${secret} adopted WITHOUT proof (${ADOPT_UNPROVEN_ANNOTATION}=true; ${why})`);
    return true;
  }
  {
    block(plan, `Secret ${secret} cannot be proven by a login as ${whom} (${why}); annotate the ${obj.kind} with ${ADOPT_UNPROVEN_ANNOTATION}=true to take it over without proof`);
    return false;
  }
}

function finalizerLine(obj: PostgreSQLServer | PostgreSQLDatabase): string {
  return obj.metadata.finalizers?.includes(KOPF_FINALIZER) ? `finalizer: ${KOPF_FINALIZER} replaced by ${FINALIZER} once taken over` : `finalizer: ${FINALIZER} added`;
}

function block<T extends CrPlan>(plan: T, why: string): T {
  plan.blockers.push(why);
  return plan;
}

/** A CR that is not the Python operator's still stops at a Secret that is not its own; returns whether the Secret is usable. */
function checkOwnSecret(plan: CrPlan, obj: PostgreSQLServer | PostgreSQLDatabase, credentials: SecretRead): boolean {
  if (credentials.kind !== 'foreign') return true;
  block(plan, `Secret ${obj.spec.credentialsSecret} belongs to ${credentials.owner} (SecretConflict); choose another spec.credentialsSecret`);
  return false;
}

/** The report as text: one block per CR, a summary line. */
export function formatPlans(plans: CrPlan[]): string {
  const out: string[] = [];
  for (const p of plans) {
    out.push(`${p.kind} ${p.namespace}/${p.name}`);
    for (const line of p.lines) out.push(`  ${line}`);
    for (const why of p.blockers) out.push(`  BLOCKED: ${why}`);
    out.push(`  => ${p.blockers.length ? 'blocked' : p.state === 'takeover' ? 'will be taken over' : p.state === 'done' ? 'already taken over' : 'nothing to take over'}`);
  }
  const count = (f: (p: CrPlan) => boolean): number => plans.filter(f).length;
  out.push(
    `Summary: ${count((p) => p.state === 'takeover' && !p.blockers.length)} to take over, ${count((p) => p.blockers.length > 0)} blocked, ${count((p) => p.state === 'done')} already taken over, ${count((p) => p.state === 'own')} not from the Python operator`,
  );
  return `${out.join('\n')}\n`;
}

