import { ApiError, badRequest, invalid, methodNotAllowed } from './errors.js';
import type { ResourceRoute } from './router.js';
import type { KubeObject, ResourceType } from './types.js';
import { isRecord } from './types.js';

/**
 * A permission a client does not have. RBAC only adds grants, so a missing grant is modelled as a
 * denial of what a cluster admin could do: `namespace` unset means missing everywhere; set, it is
 * missing in that namespace — and so at the cluster scope too (a cluster-wide list or watch needs
 * the grant in every namespace).
 */
export interface Denial {
  verb: string;
  /** '' for the core group. */
  group: string;
  /** The plural, with "/subresource" where one is meant ("postgresqlservers/status"). */
  resource: string;
  namespace?: string;
  /** The bearer token (client name, see kubeConfig); unset: every client. */
  user?: string;
}

/** What a request asks to do, in RBAC's terms (the attributes a SelfSubjectAccessReview carries). */
export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  /** '' for cluster-scoped requests and for namespaced ones across all namespaces. */
  namespace: string;
}

export const REVIEW_GROUP = 'authorization.k8s.io';
export const REVIEW_PLURAL = 'selfsubjectaccessreviews';

/**
 * Every client may do everything (a cluster admin), except what a test denies; the real API's
 * 403 Forbidden for requests, and the same decision in SelfSubjectAccessReviews.
 */
export class Authorizer {
  private readonly denials: Denial[] = [];

  deny(...denials: Denial[]): void {
    this.denials.push(...denials);
  }

  allowAll(): void {
    this.denials.length = 0;
  }

  allows(user: string, a: Attributes): boolean {
    return !this.denials.some(
      (d) => (d.user === undefined || d.user === user) && d.verb === a.verb && d.group === a.group && d.resource === a.resource && (d.namespace === undefined || a.namespace === '' || d.namespace === a.namespace),
    );
  }

  /** Throws the real API server's 403 when `user` may not make this request. */
  check(user: string, r: ResourceRoute, method: string, query: URLSearchParams): void {
    const a = attributesOf(r, method, query);
    if (this.allows(user, a)) return;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    const qualified = r.t.group ? `${r.t.plural}.${r.t.group}` : r.t.plural;
    const named = r.name !== undefined ? ` "${r.name}"` : '';
    throw new ApiError(403, 'Forbidden', `${qualified}${named} is forbidden: User "${user}" cannot ${a.verb} resource "${a.resource}" in API group "${a.group}" ${scope}`, {
      ...(r.name !== undefined ? { name: r.name } : {}),
      ...(r.t.group ? { group: r.t.group } : {}),
      kind: r.t.plural,
    });
  }

  /** POST selfsubjectaccessreviews: the decision for the asking client, as the real API answers it. */
  review(t: ResourceType, user: string, method: string, body: unknown): KubeObject {
    if (method !== 'POST') throw methodNotAllowed();
    if (!isRecord(body)) throw badRequest('the body of the request was empty');
    const spec = isRecord(body.spec) ? body.spec : {};
    const ra = isRecord(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
    if (!ra === !spec.nonResourceAttributes) {
      throw invalid(t, '', [{ field: 'spec.resourceAttributes', reason: 'FieldValueInvalid', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    // Non-resource URLs (/healthz, /version, discovery) are never denied here.
    const allowed = !ra || this.allows(user, {
      verb: str(ra.verb),
      group: str(ra.group),
      resource: ra.subresource ? `${str(ra.resource)}/${str(ra.subresource)}` : str(ra.resource),
      namespace: str(ra.namespace),
    });
    return {
      apiVersion: `${REVIEW_GROUP}/v1`,
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec,
      status: allowed ? { allowed: true, reason: 'allowed by the fake API server (no denial matches)' } : { allowed: false },
    };
  }
}

/** The RBAC verb of a request: GET is get, list or watch; DELETE without a name is deletecollection. */
export function attributesOf(r: ResourceRoute, method: string, query: URLSearchParams): Attributes {
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };
  const verb =
    method === 'GET' ? (watch ? 'watch' : r.name === undefined ? 'list' : 'get')
      : method === 'DELETE' ? (r.name === undefined ? 'deletecollection' : 'delete')
        : (verbs[method] ?? method.toLowerCase());
  return { verb, group: r.t.group, resource: r.subresource ? `${r.t.plural}/${r.subresource}` : r.t.plural, namespace: r.namespace ?? '' };
}
