import { describe, it, expect } from '@jest/globals';
import { createLogger, logContext, normalizeLevel, objectLogger, REDACTED } from './logger.js';

/** A pino destination that keeps every JSON line, parsed. */
function collector(): { lines: Record<string, unknown>[]; write: (line: string) => void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON object per line with a textual level and an ISO time', () => {
    const out = collector();
    createLogger({ destination: out }).info({ backend: 'statefulset' }, 'started');
    expect(out.lines).toHaveLength(1);
    const line = out.lines[0]!;
    expect(line).toMatchObject({ level: 'info', msg: 'started', backend: 'statefulset' });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
    expect(line).not.toHaveProperty('pid');
  });

  it('honours the level and accepts the Python operator level names', () => {
    const out = collector();
    const logger = createLogger({ level: 'WARNING', destination: out });
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    logger.error('shown too');
    expect(out.lines.map((l) => l.msg)).toEqual(['shown', 'shown too']);
    expect(normalizeLevel('critical')).toBe('fatal');
    expect(normalizeLevel(' Debug ')).toBe('debug');
    expect(() => normalizeLevel('verbose')).toThrow(/unknown log level "verbose"/);
  });

  it('redacts secret-ish keys at the top level and nested at any depth', () => {
    const out = collector();
    createLogger({ destination: out }).info(
      {
        password: 'top-secret-1',
        connection: { host: 'db', password: 'top-secret-2' },
        request: { properties: { administratorLoginPassword: 'top-secret-3' } },
        body: { a: { b: { clientSecret: 'top-secret-4' } } },
        secretBody: { metadata: { name: 'creds' }, stringData: { password: 'top-secret-5' } },
        headers: { authorization: 'Bearer top-secret-6' },
        deep: { a: { b: { c: { d: { e: { f: { token: 'top-secret-7' } } } } } } },
        list: [{ name: 'x', connectionString: 'postgresql://u:top-secret-8@h/db' }],
        user: 'postgres',
      },
      'connecting',
    );
    const text = JSON.stringify(out.lines[0]);
    for (let i = 1; i <= 8; i++) expect(text).not.toContain(`top-secret-${i}`);
    expect(out.lines[0]).toMatchObject({
      password: REDACTED,
      connection: { host: 'db', password: REDACTED },
      secretBody: { metadata: { name: 'creds' }, stringData: REDACTED },
      list: [{ name: 'x', connectionString: REDACTED }],
      user: 'postgres',
    });
  });

  it('replaces what is nested too deep to inspect instead of writing it unread', () => {
    const out = collector();
    let deep: Record<string, unknown> = { apiKey: 'top-secret' };
    for (let i = 0; i < 20; i++) deep = { level: deep };
    createLogger({ destination: out }).info({ deep }, 'deep');
    expect(JSON.stringify(out.lines[0])).not.toContain('top-secret');
    expect(JSON.stringify(out.lines[0])).toContain(REDACTED);
  });

  it('redacts without changing the logged object, and survives cycles', () => {
    const out = collector();
    const body: Record<string, unknown> = { metadata: { name: 'creds' }, stringData: { password: 'top-secret' } };
    body.self = body;
    createLogger({ destination: out }).info({ body }, 'writing');
    expect(body.stringData).toEqual({ password: 'top-secret' });
    expect(JSON.stringify(out.lines[0])).not.toContain('top-secret');
  });

  it('redacts secrets inside class instances, such as the API client\'s models', () => {
    class Model {
      constructor(readonly metadata: { name: string }, readonly stringData: Record<string, string>) {}
    }
    const out = collector();
    createLogger({ destination: out }).info({ secret: undefined, body: new Model({ name: 'creds' }, { password: 'top-secret' }), at: new Date(0) }, 'writing');
    expect(JSON.stringify(out.lines[0])).not.toContain('top-secret');
    expect(out.lines[0]).toMatchObject({ body: { metadata: { name: 'creds' }, stringData: REDACTED }, at: '1970-01-01T00:00:00.000Z' });
    expect(out.lines[0]).not.toHaveProperty('secret'); // an absent secret stays absent
  });

  it('redacts secret fields an error carries and keeps its message', () => {
    const out = collector();
    const err = Object.assign(new Error('login failed'), { password: 'top-secret' });
    createLogger({ destination: out }).error({ err }, 'connect failed');
    expect(JSON.stringify(out.lines[0])).not.toContain('top-secret');
    expect(out.lines[0]).toMatchObject({ err: { message: 'login failed', password: REDACTED } });
    expect(err.password).toBe('top-secret');
  });
});

describe('objectLogger', () => {
  it('puts the object kind, namespace and name on every line, also of its children', () => {
    const out = collector();
    const log = objectLogger(createLogger({ destination: out }), {
      kind: 'PostgreSQLServer',
      namespace: 'team-a',
      name: 'demo',
    });
    log.info('reconciling');
    log.child({ backend: 'awsrds' }).warn({ password: 'x' }, 'backend pending');
    expect(out.lines).toHaveLength(2);
    for (const line of out.lines) {
      expect(line).toMatchObject({ kind: 'PostgreSQLServer', namespace: 'team-a', name: 'demo' });
    }
    expect(out.lines[1]).toMatchObject({ backend: 'awsrds', password: REDACTED });
  });
});

describe('log context', () => {
  it('adds the reconciled object to every line logged inside it, including by other components', async () => {
    const out = collector();
    const root = createLogger({ destination: out });
    const backendLog = root.child({ component: 'backend' });
    await logContext.run({ kind: 'PostgreSQLServer', namespace: 'team-a', name: 'db1' }, async () => {
      await Promise.resolve();
      backendLog.info({ instance: 'x' }, 'creating');
    });
    root.info('outside');
    expect(out.lines[0]).toMatchObject({ kind: 'PostgreSQLServer', namespace: 'team-a', name: 'db1', component: 'backend', instance: 'x', msg: 'creating' });
    expect(out.lines[1]).not.toHaveProperty('namespace');
  });

  it('keeps the fields of one line out of the next line of the same reconcile', () => {
    const out = collector();
    const root = createLogger({ destination: out });
    const context = { kind: 'PostgreSQLDatabase', namespace: 'team-a', name: 'db1' };
    logContext.run(context, () => {
      root.info({ step: 'first', database: 'db1' }, 'one');
      root.info('two');
    });
    expect(out.lines[0]).toMatchObject({ step: 'first', database: 'db1', name: 'db1' });
    expect(out.lines[1]).toMatchObject({ name: 'db1', msg: 'two' });
    expect(out.lines[1]).not.toHaveProperty('step');
    expect(context).toEqual({ kind: 'PostgreSQLDatabase', namespace: 'team-a', name: 'db1' });
  });
});
