import { describe, expect, it } from '@jest/globals';
import type { OperatorConfig } from '../config/types.js';
import { adoptionRecord, keptCredentialsData, pythonOperatorMarks, pythonOperatorNamespace, pythonTmpSecretName, takeoverPending } from './takeover.js';

const meta = (extra: Record<string, unknown> = {}) => ({ name: 'x', namespace: 'team', generation: 4, ...extra });

describe('recognising what the Python operator left', () => {
  it('names each of its marks; none on a CR it never handled', () => {
    expect(pythonOperatorMarks({ metadata: meta({ finalizers: ['kopf.zalando.org/KopfFinalizerMarker'] }) })).toEqual(['finalizer kopf.zalando.org/KopfFinalizerMarker']);
    expect(pythonOperatorMarks({ metadata: meta({ annotations: { 'kopf.zalando.org/last-handled-configuration': '{}' } }) })).toEqual(['annotation kopf.zalando.org/last-handled-configuration']);
    expect(pythonOperatorMarks({ metadata: meta(), status: { deployment: { status: 'finished' } } })).toEqual(['status.deployment']);
    expect(pythonOperatorMarks({ metadata: meta({ finalizers: ['hybridcloud.maibornwolff.de/finalizer'] }), status: {} })).toEqual([]);
  });

  it('is pending until status.adoption is recorded', () => {
    const cr = { metadata: meta(), status: { deployment: {} } };
    expect(takeoverPending(cr)).toBe(true);
    expect(takeoverPending({ ...cr, status: { ...cr.status, adoption: adoptionRecord(cr) } })).toBe(false);
    expect(adoptionRecord(cr, new Date('2026-12-06T10:00:00.123Z'))).toEqual({ from: 'python-operator', generation: 4, at: '2026-12-06T10:00:00Z' });
  });

  it("tmp Secret names as its _tmp_secret and shorten make them (cut to 63 characters)", () => {
    expect(pythonTmpSecretName('server', 'team', 'demo')).toBe('pg-team-demo-tmp');
    expect(pythonTmpSecretName('database', 'team', 'demo-service')).toBe('pgdb-team-demo-service-tmp');
    const long = pythonTmpSecretName('database', 'a-rather-long-namespace-name', 'and-a-rather-long-database-name');
    expect(long).toBe('pgdb-a-rather-long-namespace-name-and-a-rather-long-database-na');
    expect(long).toHaveLength(63);
  });

  it('looks for them in the configured namespace, else this operator’s, else default (as the Python env.py)', () => {
    const config = (ns: string) => ({ python_takeover: { apply_differences: false, operator_namespace: ns } }) as OperatorConfig;
    expect(pythonOperatorNamespace(config('hybridcloud'), { POD_NAMESPACE: 'ops' })).toBe('hybridcloud');
    expect(pythonOperatorNamespace(config(''), { POD_NAMESPACE: 'ops' })).toBe('ops');
    expect(pythonOperatorNamespace(config(''), {})).toBe('default');
  });
});

describe('the data of a Secret taken over', () => {
  const python = { username: 'demo', password: 'old', dbname: 'demo', host: 'demo-postgresql.team.svc.cluster.local', port: '5432', sslmode: 'require', extra: 'kept' };
  const input = { endpoint: { host: 'demo-postgresql.team.svc', port: 5432, sslmode: 'verify-full' as const }, database: 'demo', username: 'demo', password: 'new', caCert: 'PEM' };

  it('keeps every value it had, adds ours built from them, and follows the login and password', () => {
    const data = keptCredentialsData(python, input);
    expect(data).toMatchObject({ ...python, password: 'new', hostname: python.host, 'ca.crt': 'PEM' });
    expect(data.uri).toBe('postgresql://demo:new@demo-postgresql.team.svc.cluster.local:5432/demo?sslmode=require');
    expect(data['jdbc-url']).toContain('jdbc:postgresql://demo-postgresql.team.svc.cluster.local:5432/demo?');
  });

  it('after the first publish, a reset or a rotation moves every key built from the login and password (nothing frozen)', () => {
    const published = { ...keptCredentialsData(python, input), DATABASE_URL: 'old-url' };
    const rotated = keptCredentialsData(published, { ...input, username: 'demo_2', password: 'newer' }, { DATABASE_URL: '{{ uri }}' });
    expect(rotated).toMatchObject({ username: 'demo_2', PGUSER: 'demo_2', password: 'newer', PGPASSWORD: 'newer', host: python.host, sslmode: 'require', extra: 'kept' });
    expect(rotated.uri).toBe('postgresql://demo_2:newer@demo-postgresql.team.svc.cluster.local:5432/demo?sslmode=require');
    expect(rotated.DATABASE_URL).toBeUndefined();
  });

  it('publishes the current CA bundle as ca.crt, not the one of the first publish (a CA rotation changes it)', () => {
    const published = keptCredentialsData(python, input);
    expect(keptCredentialsData(published, { ...input, caCert: 'OLD+NEW' })['ca.crt']).toBe('OLD+NEW');
  });
});
