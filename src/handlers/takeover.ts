import { GROUP } from '../api/constants.js';
import type { Adoption, ObjectMeta } from '../api/types.js';
import type { OperatorConfig } from '../config/types.js';
import { credentialsData, type CredentialsInput } from './credentials.js';

/**
 * Recognising what the Python (kopf) operator left behind, and the rules of taking it over. The
 * Python operator wrote its credentials Secrets without ownerReferences
 * (hybridcloud/util/k8s.py `create_secret`), so such a Secret is only taken over when the CR shows
 * the Python operator handled it and the Secret proves itself by logging in (or the CR opts in).
 */

/** kopf's finalizer: kept until the takeover succeeded, so the Python operator can still be rolled back to. */
export const KOPF_FINALIZER = 'kopf.zalando.org/KopfFinalizerMarker';
/** kopf's record of the spec it last handled. */
export const KOPF_LAST_HANDLED = 'kopf.zalando.org/last-handled-configuration';
/**
 * The explicit opt-in (value "true") to take over the Python operator's credentials Secret when it
 * cannot be proven by a login (the server is unreachable or does not exist). Honoured only on a CR
 * the Python operator handled: a stranger's Secret is never taken over.
 */
export const ADOPT_UNPROVEN_ANNOTATION = `${GROUP}/adopt-unproven-secret`;

interface Marked {
  metadata: ObjectMeta;
  status?: { deployment?: unknown; adoption?: Adoption } & object;
}

/** The signs that the Python operator handled this CR, for messages (empty: none). */
export function pythonOperatorMarks(obj: Marked): string[] {
  const marks: string[] = [];
  if (obj.metadata.finalizers?.includes(KOPF_FINALIZER)) marks.push(`finalizer ${KOPF_FINALIZER}`);
  if (obj.metadata.annotations?.[KOPF_LAST_HANDLED] !== undefined) marks.push(`annotation ${KOPF_LAST_HANDLED}`);
  if (obj.status?.deployment !== undefined) marks.push('status.deployment');
  return marks;
}

export const fromPythonOperator = (obj: Marked): boolean => pythonOperatorMarks(obj).length > 0;

/** The Python operator handled the CR and the takeover has not been recorded yet. */
export const takeoverPending = (obj: Marked): boolean => !obj.status?.adoption && fromPythonOperator(obj);

export const optedInUnproven = (obj: Marked): boolean => obj.metadata.annotations?.[ADOPT_UNPROVEN_ANNOTATION] === 'true';

/** The record written to status when the takeover succeeded (the backends keep what runs until the generation moves on). */
export function adoptionRecord(obj: Marked, now = new Date()): Adoption {
  return { from: 'python-operator', generation: obj.metadata.generation ?? 0, at: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/**
 * The Python operator's temporary password Secret of a CR still being created, in its own namespace
 * (hybridcloud/handlers/postgresql_server.py and postgresql_database.py `_tmp_secret`, shortened by
 * hybridcloud/util/reconcile_helpers.py `shorten`: cut to 63 characters).
 */
export function pythonTmpSecretName(kind: 'server' | 'database', namespace: string, name: string): string {
  const text = `${kind === 'server' ? 'pg' : 'pgdb'}-${namespace}-${name}-tmp`;
  return text.length > 63 ? text.slice(0, 63) : text;
}

/** Where the Python operator kept its tmp Secrets (hybridcloud/util/env.py: KUBERNETES_NAMESPACE, default "default"). */
export function pythonOperatorNamespace(config: OperatorConfig, env: NodeJS.ProcessEnv = process.env): string {
  return config.python_takeover.operator_namespace || env.POD_NAMESPACE || 'default';
}

/**
 * Keys that follow the login and its password: always rebuilt from the current input, never copied
 * from the Secret (after the first publish it holds our own earlier values, which a password reset
 * or a rotation to the second login must replace).
 */
const FOLLOW_LOGIN = new Set(['username', 'password', 'PGUSER', 'PGPASSWORD', 'uri', 'jdbc-url']);
/**
 * The Python operator never wrote `ca.crt`: in a taken-over Secret it is this operator's own and
 * follows the CA it publishes (a CA rotation changes it, ADR 0024).
 */
const FOLLOW_CA = 'ca.crt';

/**
 * The data of a taken-over credentials Secret: the connection values it had keep their value (apps
 * connect with them: e.g. `host` ending in `.svc.cluster.local`, `sslmode=require` for apps without
 * `ca.crt`) and keys this operator does not make stay; the login and password (and everything built
 * from them, `template` keys included) follow the current input; this operator's extra keys are
 * added, built from the kept values so they agree with them.
 */
export function keptCredentialsData(existing: Record<string, string>, input: CredentialsInput, template: Record<string, string> = {}): Record<string, string> {
  const port = Number(existing.port);
  const kept: CredentialsInput = {
    ...input,
    endpoint: {
      ...input.endpoint,
      host: existing.host ?? existing.hostname ?? input.endpoint.host,
      port: Number.isInteger(port) && port > 0 ? port : input.endpoint.port,
      sslmode: (existing.sslmode as CredentialsInput['endpoint']['sslmode'] | undefined) ?? input.endpoint.sslmode,
    },
    database: existing.dbname ?? input.database,
  };
  const data = credentialsData(kept);
  for (const [key, value] of Object.entries(existing)) if (!FOLLOW_LOGIN.has(key) && !(key in template) && !(key === FOLLOW_CA && input.caCert)) data[key] = value;
  return data;
}
