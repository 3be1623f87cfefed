import { createHash } from 'node:crypto';

/** Helm refuses release names longer than 53 characters (room for suffixes on the objects it names). */
export const HELM_RELEASE_NAME_MAX = 53;

const SUFFIX = '-postgresql';
/** What Helm accepts and what the chart's Services need: a DNS-1035 label (starts with a letter, no dots). */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The Helm release of a PostgreSQLServer: `<name>-postgresql`, as the Python operator named it
 * (so its releases are adopted, and the reference Quickstart's
 * `kubectl get pods -l app.kubernetes.io/instance=demoteam-postgresql` still works). Helm releases
 * are namespaced, so this is unique per namespace.
 *
 * Names that do not fit (too long, dots, a leading digit) become a shortened, cleaned name plus a
 * hash of namespace and name: deterministic, and unique unless someone in the same namespace
 * names a server exactly like such a result (hash included).
 */
export function releaseName(namespace: string, name: string): string {
  const plain = `${name}${SUFFIX}`;
  if (plain.length <= HELM_RELEASE_NAME_MAX && DNS_1035_LABEL.test(plain)) return plain;
  const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 8);
  const room = HELM_RELEASE_NAME_MAX - SUFFIX.length - hash.length - 1;
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, room)
    .replace(/-+$/, '');
  return `${cleaned || 'pg'}-${hash}${SUFFIX}`;
}
