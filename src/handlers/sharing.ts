import { createHash } from 'node:crypto';
import type { LabelSelector, PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import { toPgName } from '../postgres/index.js';

/**
 * Databases from other namespaces on a shared server (spec.sharing), as pure functions: which
 * server a database names, whether its namespace is granted, the quota, the PostgreSQL name.
 */

export interface ServerKey {
  namespace: string;
  name: string;
}

/** The server a database names; its namespace defaults to the database's own. */
export function serverRefOf(db: PostgreSQLDatabase): ServerKey {
  return { namespace: db.spec.serverRef.namespace || db.metadata.namespace, name: db.spec.serverRef.name };
}

export function isOnServer(db: PostgreSQLDatabase, server: ServerKey): boolean {
  const ref = serverRefOf(db);
  return ref.namespace === server.namespace && ref.name === server.name;
}

/** Kubernetes label selector semantics (matchLabels AND every matchExpression); `{}` selects everything. */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (selector.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]!);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]!);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

export type Grant = 'granted' | 'refused' | 'unknown';

/**
 * Whether `namespace` may put databases on the server: its own namespace always; others when
 * listed in spec.sharing.namespaces or selected by spec.sharing.namespaceSelector. The labels are
 * asked for only when the selector decides; `unknown` while they are not known yet.
 */
export function grantOf(server: PostgreSQLServer, namespace: string, labelsOf: (namespace: string) => Record<string, string> | undefined): Grant {
  if (namespace === server.metadata.namespace) return 'granted';
  const sharing = server.spec.sharing;
  if (sharing?.namespaces?.includes(namespace)) return 'granted';
  if (!sharing?.namespaceSelector) return 'refused';
  const labels = labelsOf(namespace);
  if (!labels) return 'unknown';
  return matchesSelector(sharing.namespaceSelector, labels) ? 'granted' : 'refused';
}

/**
 * Whether a database from another namespace fits in its namespace's quota. The databases of one
 * namespace on the server are ranked (created ones first, then by creation time and name) and the
 * first `maxDatabasesPerNamespace` are admitted: the answer is the same whichever reconcile runs
 * first, so two databases racing for the last place cannot both get it.
 */
export function withinQuota(db: PostgreSQLDatabase, server: PostgreSQLServer, all: readonly PostgreSQLDatabase[]): boolean {
  const max = server.spec.sharing?.maxDatabasesPerNamespace;
  if (max === undefined || db.metadata.namespace === server.metadata.namespace) return true;
  const key = { namespace: server.metadata.namespace, name: server.metadata.name };
  const peers = all.filter((d) => d.metadata.namespace === db.metadata.namespace && isOnServer(d, key) && !d.metadata.deletionTimestamp);
  if (!peers.some((d) => d.metadata.name === db.metadata.name)) peers.push(db);
  peers.sort(rankOrder);
  return peers.findIndex((d) => d.metadata.name === db.metadata.name) < max;
}

function rankOrder(a: PostgreSQLDatabase, b: PostgreSQLDatabase): number {
  const created = Number(!a.status?.database) - Number(!b.status?.database);
  if (created) return created;
  const time = (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
  return time || a.metadata.name.localeCompare(b.metadata.name);
}

/**
 * The server's status fields `databases` and `databasesPerNamespace`: the databases made on it
 * (status names it by uid) and not being deleted, in total and per namespace.
 */
export function databaseCounts(server: PostgreSQLServer, all: readonly PostgreSQLDatabase[]): { databases: number; databasesPerNamespace: Record<string, number> } {
  const key = { namespace: server.metadata.namespace, name: server.metadata.name };
  const counts: Record<string, number> = {};
  for (const db of all) {
    if (db.metadata.deletionTimestamp || !isOnServer(db, key) || !db.status?.database || db.status.serverUid !== server.metadata.uid) continue;
    counts[db.metadata.namespace] = (counts[db.metadata.namespace] ?? 0) + 1;
  }
  const databasesPerNamespace = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  return { databases: Object.values(counts).reduce((a, b) => a + b, 0), databasesPerNamespace };
}

const MAX_BYTES = 63;
const HASH_CHARS = 8;

/**
 * The PostgreSQL database and role name of a database. In the server's own namespace it is the
 * object's name with dashes as underscores (as it always was). From another namespace it is
 * `<namespace>__<name>` (dashes as underscores): the double underscore keeps it apart from the
 * server namespace's names and the namespace keeps two namespaces' `orders` apart. Longer than
 * PostgreSQL's 63 bytes, it is cut to 54 and ends in `_` and 8 hex characters of a SHA-256 of
 * `namespace/name`, so it stays unique. Any collision left (an object named `team-a--orders` in the
 * server's own namespace) is refused by the database claim (ADR 0006), never shared.
 */
export function pgNameFor(db: PostgreSQLDatabase, serverNamespace: string): string {
  const { namespace, name } = db.metadata;
  if (namespace === serverNamespace) return toPgName(name);
  const full = `${toPgName(namespace)}__${toPgName(name)}`;
  if (Buffer.byteLength(full) <= MAX_BYTES) return full;
  const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, HASH_CHARS);
  return `${full.slice(0, MAX_BYTES - HASH_CHARS - 1)}_${hash}`;
}
