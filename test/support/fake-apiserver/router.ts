import { routeNotFound } from './errors.js';
import type { TypeRegistry } from './registry.js';
import type { ResourceType } from './types.js';

export interface ResourceRoute {
  kind: 'resource';
  t: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type Route =
  | ResourceRoute
  | { kind: 'root' | 'version' | 'health' | 'api' | 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'groupVersion'; group: string; version: string };

interface Parts {
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

/** The segments after /api/v1 or /apis/<g>/<v>. "namespaces/<ns>/status|finalize" are the namespace's own subresources. */
function splitResourcePath(rest: string[]): Parts | undefined {
  const [a, b, c, d, e, ...extra] = rest;
  if (extra.length > 0 || a === undefined) return undefined;
  if (a === 'namespaces' && b !== undefined && c !== undefined && !(rest.length === 3 && (c === 'status' || c === 'finalize'))) {
    return { namespace: b, plural: c, name: d, subresource: e };
  }
  if (d !== undefined) return undefined;
  return { plural: a, name: b, subresource: c };
}

function resourceRoute(registry: TypeRegistry, group: string, version: string, rest: string[]): ResourceRoute {
  const parts = splitResourcePath(rest);
  const t = parts && registry.resolve(group, version, parts.plural);
  if (!parts || !t) throw routeNotFound();
  // A namespaced item needs its namespace; a cluster-scoped type has none.
  if ((t.namespaced && parts.name !== undefined && parts.namespace === undefined) || (!t.namespaced && parts.namespace !== undefined)) throw routeNotFound();
  return { kind: 'resource', t, version, ...parts };
}

/** Maps a URL path onto a discovery document or a resource endpoint; unknown paths are 404. */
export function route(registry: TypeRegistry, pathname: string): Route {
  const seg = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [root, x, y, ...rest] = seg;
  if (root === undefined) return { kind: 'root' };
  if (seg.length === 1 && root === 'version') return { kind: 'version' };
  if (seg.length === 1 && ['healthz', 'livez', 'readyz'].includes(root)) return { kind: 'health' };
  if (root === 'api') {
    if (x === undefined) return { kind: 'api' };
    if (x !== 'v1') throw routeNotFound();
    if (y === undefined) return { kind: 'groupVersion', group: '', version: 'v1' };
    return resourceRoute(registry, '', 'v1', [y, ...rest]);
  }
  if (root === 'apis') {
    if (x === undefined) return { kind: 'apis' };
    if (y === undefined) return { kind: 'group', group: x };
    if (rest.length === 0) return { kind: 'groupVersion', group: x, version: y };
    return resourceRoute(registry, x, y, rest);
  }
  throw routeNotFound();
}
