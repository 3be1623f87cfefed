import { describe, expect, it } from '@jest/globals';
import type { PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import { validatePgName } from '../postgres/index.js';
import { databaseCounts, grantOf, matchesSelector, pgNameFor, withinQuota } from './sharing.js';

const server = (sharing?: PostgreSQLServer['spec']['sharing']): PostgreSQLServer => ({
  apiVersion: 'v1',
  kind: 'PostgreSQLServer',
  metadata: { name: 'shared', namespace: 'platform', uid: 'srv-uid' },
  spec: { size: { storageGB: 1 }, credentialsSecret: 'x', sharing },
});

const db = (namespace: string, name: string, extra: { created?: string; made?: boolean; deleting?: boolean } = {}): PostgreSQLDatabase => ({
  apiVersion: 'v1',
  kind: 'PostgreSQLDatabase',
  metadata: { name, namespace, creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z', deletionTimestamp: extra.deleting ? '2026-01-02T00:00:00Z' : undefined },
  spec: { serverRef: { name: 'shared', namespace: 'platform' }, credentialsSecret: `${name}-db` },
  status: extra.made ? { database: name, serverUid: 'srv-uid' } : undefined,
});

describe('sharing', () => {
  it('matches label selectors as Kubernetes does', () => {
    const labels = { team: 'a', tier: 'dev' };
    expect(matchesSelector({}, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: { team: 'a' } }, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: { team: 'b' } }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['dev', 'test'] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['dev'] }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'gone', operator: 'NotIn', values: ['dev'] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'team', operator: 'Exists' }, { key: 'prod', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });

  it('grants the own namespace always, others by list or selector; reads labels only for the selector', () => {
    const s = server({ namespaces: ['team-a'], namespaceSelector: { matchLabels: { shared: 'yes' } } });
    const asked: string[] = [];
    const labels = (value?: Record<string, string>) => (ns: string) => {
      asked.push(ns);
      return value;
    };
    expect(grantOf(server(), 'platform', labels())).toBe('granted');
    expect(grantOf(server(), 'team-a', labels({}))).toBe('refused');
    expect(grantOf(s, 'team-a', labels())).toBe('granted');
    expect(asked).toEqual([]);
    expect(grantOf(s, 'team-b', labels({ shared: 'yes' }))).toBe('granted');
    expect(grantOf(s, 'team-b', labels())).toBe('unknown');
    expect(grantOf(s, 'team-b', labels({ shared: 'no' }))).toBe('refused');
    expect(asked).toEqual(['team-b', 'team-b', 'team-b']);
  });

  it('admits the first N of a namespace: made ones first, then by age and name, whoever asks first', () => {
    const s = server({ namespaces: ['team-a'], maxDatabasesPerNamespace: 2 });
    const young = db('team-a', 'young', { created: '2026-03-01T00:00:00Z', made: true });
    const old1 = db('team-a', 'old1', { created: '2026-01-01T00:00:00Z' });
    const old2 = db('team-a', 'old2', { created: '2026-01-01T00:00:00Z' });
    const all = [young, old1, old2, db('team-b', 'other'), db('team-a', 'going', { deleting: true, made: true })];
    expect(withinQuota(young, s, all)).toBe(true);
    expect(withinQuota(old1, s, all)).toBe(true);
    expect(withinQuota(old2, s, all)).toBe(false);
    expect(withinQuota(db('platform', 'own'), s, all)).toBe(true);
    expect(withinQuota(old2, server({ namespaces: ['team-a'] }), all)).toBe(true);
  });

  it('counts the databases made on the server per namespace', () => {
    const all = [db('team-a', 'x', { made: true }), db('team-a', 'y', { made: true }), db('team-b', 'z', { made: true }), db('team-b', 'refused'), db('team-a', 'going', { made: true, deleting: true })];
    expect(databaseCounts(server(), all)).toEqual({ databases: 3, databasesPerNamespace: { 'team-a': 2, 'team-b': 1 } });
  });

  it('names a database from another namespace <namespace>__<name>, within 63 bytes and unique when cut', () => {
    expect(pgNameFor(db('platform', 'my-db'), 'platform')).toBe('my_db');
    expect(pgNameFor(db('team-a', 'my-db'), 'platform')).toBe('team_a__my_db');
    const ns = 'a-very-long-namespace-name-for-the-payments-team-in-europe';
    const one = pgNameFor(db(ns, 'orders-service-primary'), 'platform');
    const two = pgNameFor(db(ns, 'orders-service-replica'), 'platform');
    expect(Buffer.byteLength(one)).toBe(63);
    expect(one).not.toBe(two);
    expect(one).toMatch(/^a_very_long_namespace_name_for_the_payments_team_in_eu_[0-9a-f]{8}$/);
    expect(validatePgName(one)).toBeUndefined();
  });
});
