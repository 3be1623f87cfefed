import type * as k8s from '@kubernetes/client-node';
import { DATABASE_PLURAL, GROUP, SERVER_PLURAL, TABLE_PLURAL, VERSION } from '../api/constants.js';
import { apiConfiguration, createKubeClients, statusCodeOf } from '../k8s/clients.js';
import { AuthorizationV1Api } from '../k8s/kubernetes-client.js';
import { describeApiError, isTransient, withTimeout } from './api-errors.js';
import { CERT_MANAGER_MISSING } from '../backends/common/tls/cert-manager.js';
import { CERT_MANAGER_GROUP, CERT_MANAGER_VERSION, CERTIFICATE_PLURAL } from '../backends/common/tls/cert-manager-object.js';
import { describePermission, type Permission } from './required-permissions.js';
import { StartupError } from './startup-error.js';

export interface ClusterCheckOptions {
  kc: k8s.KubeConfig;
  /** What this config needs (requiredPermissions). */
  permissions: Permission[];
  /** How long to keep trying to reach the API server before giving up. */
  timeoutMs: number;
  /** Each problem while it lasts (for /readyz and the debug log); undefined once it is gone. */
  onProblem?(problem: string | undefined): void;
  /** The config names a cert-manager issuer (tls.issuer): cert-manager's Certificate CRD must be served. */
  certManager?: boolean;
}

/** A CRD applied a moment ago takes a few seconds to appear in discovery (Established). */
const CRD_GRACE_MS = 6000;
const PER_ATTEMPT_MS = 10_000;
const REVIEWS_AT_ONCE = 8;

export const CRD_INSTALL_HINT =
  'install them with: kubectl apply -f crds/ (from a clone of the project), or helm install hybrid-cloud-postgresql-operator-crds ./helm/hybrid-cloud-postgresql-operator-crds';

/**
 * The start-up checks against the API server, in order: it answers (retried for `timeoutMs`), the
 * credentials are accepted, the CRDs are served, and every permission the operator needs is granted
 * (one SelfSubjectAccessReview per verb and resource). Throws a StartupError with one line saying
 * what is wrong. Only start-up is this strict: once running, the watches retry API outages forever.
 */
export async function checkCluster(opts: ClusterCheckOptions): Promise<void> {
  const server = opts.kc.getCurrentCluster()?.server ?? '(no server)';
  const started = Date.now();
  const attempt = retrying(server, started + opts.timeoutMs, opts.onProblem);
  const custom = createKubeClients(opts.kc).custom;

  let answered: number | undefined;
  for (;;) {
    const served = await attempt(() => servedPlurals(custom));
    answered ??= Date.now();
    const missing = [SERVER_PLURAL, DATABASE_PLURAL, TABLE_PLURAL].filter((p) => !served.has(p)).map((p) => `${p}.${GROUP}`);
    if (missing.length === 0) break;
    const names = missing.length > 1 ? `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}` : missing[0];
    const problem = `the CRD${missing.length > 1 ? 's' : ''} ${names} ${missing.length > 1 ? 'are' : 'is'} not installed in the cluster at ${server}: ${CRD_INSTALL_HINT}`;
    if (Date.now() - answered >= CRD_GRACE_MS) throw new StartupError(problem);
    opts.onProblem?.(problem);
    await sleep(1000);
  }

  if (opts.certManager && !(await attempt(() => servedPlurals(custom, CERT_MANAGER_GROUP, CERT_MANAGER_VERSION))).has(CERTIFICATE_PLURAL)) {
    throw new StartupError(`${CERT_MANAGER_MISSING} (cluster at ${server})`);
  }

  const authorization = new AuthorizationV1Api(apiConfiguration(opts.kc));
  const denied: Permission[] = [];
  const queue = [...opts.permissions];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const permission = p;
      if (!(await attempt(() => allowed(authorization, permission, server)))) denied.push(permission);
    }
  };
  await Promise.all(Array.from({ length: REVIEWS_AT_ONCE }, worker));
  // In the order of the rules, whatever order the reviews came back in.
  denied.sort((a, b) => opts.permissions.indexOf(a) - opts.permissions.indexOf(b));
  if (denied.length > 0) throw new StartupError(missingPermissions(denied, opts.kc));
  opts.onProblem?.(undefined);
}

/** The plurals served in an API group (the operator's by default); empty when the group is not served at all. */
async function servedPlurals(custom: k8s.CustomObjectsApi, group = GROUP, version = VERSION): Promise<Set<string>> {
  try {
    const list = await custom.getAPIResources({ group, version });
    return new Set(list.resources.map((r) => r.name));
  } catch (err) {
    if (statusCodeOf(err) === 404) return new Set();
    throw err;
  }
}

async function allowed(api: k8s.AuthorizationV1Api, p: Permission, server: string): Promise<boolean> {
  const [resource, subresource] = p.resource.split('/');
  try {
    const review = await api.createSelfSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: p.verb, group: p.group, resource, subresource, namespace: p.namespace } } },
    });
    return review.status?.allowed === true;
  } catch (err) {
    if (statusCodeOf(err) !== 403) throw err;
    throw new StartupError(
      `the API server at ${server} does not let the operator create selfsubjectaccessreviews.authorization.k8s.io, so it cannot check its permissions ` +
        '(every authenticated user may, through the ClusterRole system:basic-user, unless the cluster has removed that binding): restore it or grant that permission',
    );
  }
}

/** "the operator is not allowed to: list secrets in all namespaces; create ... — grant ..." */
function missingPermissions(denied: Permission[], kc: k8s.KubeConfig): string {
  const where = (p: Permission) => (p.namespace ? `in namespace ${p.namespace}` : 'in all namespaces');
  const shown = denied.slice(0, 6).map((p) => `${describePermission(p)} ${where(p)}`);
  const more = denied.length > shown.length ? ` and ${denied.length - shown.length} more` : '';
  const user = kc.getCurrentUser()?.name;
  return (
    `the operator's identity${user ? ` (kubeconfig user ${user})` : ''} lacks permissions it needs: ${shown.join('; ')}${more}; ` +
    'grant them (the chart helm/hybrid-cloud-postgresql-operator creates exactly these rules), or use a kube context that has them'
  );
}

/**
 * Runs API calls with the start-up retry rule: transient failures (no connection, timeouts, 429,
 * 5xx) are tried again with a growing pause until `deadline`; anything else, and the deadline, end
 * in a StartupError naming the server.
 */
function retrying(server: string, deadline: number, onProblem: ClusterCheckOptions['onProblem']) {
  return async <T>(call: () => Promise<T>): Promise<T> => {
    for (let tries = 1, pause = 500; ; tries++, pause = Math.min(pause * 2, 5000)) {
      try {
        return await withTimeout(call(), Math.max(1000, Math.min(PER_ATTEMPT_MS, deadline - Date.now())));
      } catch (err) {
        if (err instanceof StartupError) throw err;
        const reason = describeApiError(err);
        if (!isTransient(err)) throw new StartupError(refusal(server, err, reason));
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new StartupError(`cannot reach the Kubernetes API server at ${server} (${tries} attempts): ${reason}; check that the cluster is running and that the kubeconfig's server address is right`);
        }
        onProblem?.(`cannot reach the Kubernetes API server at ${server} yet (attempt ${tries}): ${reason}; trying again`);
        await sleep(Math.min(pause, left));
      }
    }
  };
}

function refusal(server: string, err: unknown, reason: string): string {
  const status = statusCodeOf(err);
  if (status === 401) return `the Kubernetes API server at ${server} refused the kubeconfig's credentials (${reason}): log in again or renew the token`;
  if (status === 403) return `the Kubernetes API server at ${server} refused the operator's request (${reason})`;
  return `cannot talk to the Kubernetes API server at ${server}: ${reason}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
