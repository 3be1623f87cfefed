import type { TypeRegistry } from './registry.js';
import type { ResourceType } from './types.js';
import { apiVersionOf } from './types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceEntries(t: ResourceType): Record<string, unknown>[] {
  const main = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs ?? VERBS,
    ...(t.shortNames ? { shortNames: t.shortNames } : {}),
  };
  const sub = (name: string, verbs: string[]) => ({ name: `${t.plural}/${name}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs });
  const out: Record<string, unknown>[] = [main];
  if (t.statusSubresource) out.push(sub('status', ['get', 'patch', 'update']));
  if (t.group === '' && t.plural === 'namespaces') out.push(sub('finalize', ['update']));
  return out;
}

/** GET /api/v1 or /apis/<group>/<version>. */
export function resourceList(registry: TypeRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.versions.includes(version));
  if (types.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources: types.flatMap(resourceEntries) };
}

function groupEntry(name: string, versions: string[]): Record<string, unknown> {
  const entries = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

/** GET /apis: every named group (the core group is served under /api). */
export function groupList(registry: TypeRegistry): Record<string, unknown> {
  const groups = [...registry.groups()].filter(([g]) => g !== '').map(([g, versions]) => groupEntry(g, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** GET /apis/<group>. */
export function group(registry: TypeRegistry, name: string): Record<string, unknown> | undefined {
  const versions = registry.groups().get(name);
  return name && versions ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name, versions) } : undefined;
}

/** GET /api. */
export function coreVersions(host: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
}

/** GET /version. */
export function versionInfo(): Record<string, unknown> {
  return {
    major: '1',
    minor: '34',
    gitVersion: 'v1.34.0-fake',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.24',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
