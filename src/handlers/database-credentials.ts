import type { Logger } from 'pino';
import { ACTION_LABEL, RESET_PASSWORD_ACTION, ROTATE_PASSWORD_ACTION } from '../api/constants.js';
import type { PostgreSQLDatabase, RotationStatus } from '../api/types.js';
import { credentialsData } from './credentials.js';
import { credentialsSecretData } from './credentials-template.js';
import { keptCredentialsData } from './takeover.js';
import type { DatabaseRun } from './database-handler.js';
import type { HandlerDeps } from './deps.js';
import { databaseLabels } from './labels.js';
import { convergeCredentials, lastRotation, nextRotation, rotationPolicy, STORE_PENDING_LOGIN, STORE_PREVIOUS_LOGIN, STORE_PREVIOUS_UNTIL, type CredentialsOutcome, type CredentialsRun } from './password-rotation.js';
import { ownerReference } from './server-access.js';

export interface SettledCredentials {
  rotation: RotationStatus;
  /** Look again then: a grace period ends, a rotation is due, or an asked action still waits. */
  requeueAfterSeconds?: number;
}

/**
 * The database's credentials after role and database are in place: a reset or rotation asked for
 * by label, due by schedule or left unfinished by a kill is carried out, an expired grace period
 * ends, and the credentials Secret is published from the store — always after PostgreSQL accepts
 * what it says. Events and the rotation metric record each rotation.
 */
export async function settleCredentials(deps: HandlerDeps, db: PostgreSQLDatabase, run: DatabaseRun, log: Logger): Promise<SettledCredentials> {
  const action = db.metadata.labels?.[ACTION_LABEL];
  const ask = { reset: action === RESET_PASSWORD_ACTION, rotate: action === ROTATE_PASSWORD_ACTION };
  const now = new Date();
  const credentialsRun: CredentialsRun = {
    secrets: deps.secrets,
    scope: run.scope,
    admin: deps.pools.forServer(run.access.admin).admin,
    owner: run.pgName,
    stored: run.stored,
    policy: rotationPolicy(db.spec, deps.config),
    createdAt: new Date(db.metadata.creationTimestamp ?? now.toISOString()),
    failpoint: deps.failpoint,
  };
  const rotating = isRotating(credentialsRun, ask, now);
  let outcome;
  try {
    outcome = await convergeCredentials(credentialsRun, ask, now);
  } catch (err) {
    if (rotating) deps.onRotation?.('error');
    throw err;
  }
  await publish(deps, db, run, outcome.login, outcome.password);
  await report(deps, db, outcome, ask, log);
  if ((ask.reset && outcome.reset) || (ask.rotate && (outcome.rotated || outcome.deferred))) {
    await deps.databases.patchMetadata(db.metadata.namespace, db.metadata.name, { labels: { [ACTION_LABEL]: null } });
  }
  if (ask.reset && outcome.reset) await deps.events.record(db, 'Normal', 'PasswordReset', `password reset; Secret ${db.spec.credentialsSecret} updated`);
  return { rotation: rotationStatus(outcome.login, credentialsRun, outcome.stored), requeueAfterSeconds: requeueAfter(outcome, ask, now) };
}

/** Events, metric and log line for a rotation, a revoked login and a request served by the rotation under way. */
async function report(deps: HandlerDeps, db: PostgreSQLDatabase, outcome: CredentialsOutcome, ask: { rotate: boolean }, log: Logger): Promise<void> {
  const previous = outcome.stored.record[STORE_PREVIOUS_LOGIN];
  const until = outcome.stored.record[STORE_PREVIOUS_UNTIL];
  if (outcome.rotated) {
    await deps.failpoint?.('rotation:published');
    deps.onRotation?.('success');
    const grace = previous ? `; the previous login ${previous} keeps working until ${until}` : '';
    await deps.events.record(db, 'Normal', 'PasswordRotated', `password rotated: Secret ${db.spec.credentialsSecret} now names login ${outcome.login}${grace}`);
    log.info({ login: outcome.login }, 'password rotated');
  }
  if (outcome.revoked) await deps.events.record(db, 'Normal', 'PreviousLoginRevoked', `grace period over: login ${outcome.revoked} can no longer log in`);
  if (outcome.deferred && ask.rotate) {
    // Rotating again now would cut off the login the previous rotation left in use; the rotation in
    // its grace period serves the request (also the one whose label a kill left behind).
    await deps.events.record(db, 'Normal', 'RotationInProgress', `the last rotation's grace period runs until ${until}; it serves this request`);
  }
}

/** A rotation is asked for, left unfinished or due (for the failures metric). */
function isRotating(run: CredentialsRun, ask: { rotate: boolean }, now: Date): boolean {
  const next = nextRotation(run, run.stored);
  return ask.rotate || Boolean(run.stored.record[STORE_PENDING_LOGIN]) || (next !== undefined && next <= now);
}

function rotationStatus(login: string, run: CredentialsRun, stored: CredentialsRun['stored']): RotationStatus {
  const status: RotationStatus = { login };
  const last = lastRotation(stored);
  const next = nextRotation(run, stored);
  if (last) status.lastRotation = last.toISOString();
  if (next) status.nextRotation = next.toISOString();
  const previous = stored.record[STORE_PREVIOUS_LOGIN];
  if (previous) {
    status.previousLogin = previous;
    status.previousLoginUntil = stored.record[STORE_PREVIOUS_UNTIL];
  }
  return status;
}

function requeueAfter(outcome: CredentialsOutcome, ask: { reset: boolean; rotate: boolean }, now: Date): number | undefined {
  // An asked reset that had to wait for an unfinished rotation runs next.
  if (ask.reset && !outcome.reset) return 1;
  if (!outcome.dueAt) return undefined;
  return Math.max(1, Math.ceil((outcome.dueAt.getTime() - now.getTime()) / 1000));
}

async function publish(deps: HandlerDeps, db: PostgreSQLDatabase, run: DatabaseRun, login: string, password: string): Promise<void> {
  const { access, pgName } = run;
  const input = { endpoint: access.endpoint, database: pgName, username: login, password, caCert: access.endpoint.caCert ?? access.admin.caCert };
  // A Secret taken over from the Python operator keeps every value apps connect with.
  const builtIn = db.status?.adoption && run.credentials.kind === 'owned' ? keptCredentialsData(run.credentials.data, input, db.spec.credentialsTemplate) : credentialsData(input);
  const data = credentialsSecretData(input, db.spec.credentialsTemplate, builtIn);
  const labels = databaseLabels(db.spec.serverRef.name, db.metadata.name);
  const written = await deps.secrets.write(db.metadata.namespace, db.spec.credentialsSecret, ownerReference(db), data, labels, run.credentials);
  if (written === 'created' && db.status?.database) {
    await deps.events.record(db, 'Warning', 'CredentialsRestored', `credentials Secret ${db.spec.credentialsSecret} was missing and has been recreated`);
  }
}
