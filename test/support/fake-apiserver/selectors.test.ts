import { describe, expect, it } from '@jest/globals';
import { builtinTypes } from './builtin-types.js';
import { ApiError } from './errors.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { KubeObject } from './types.js';

const obj = (labels: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name: 'n', namespace: 'ns', labels }, ...extra });
const secrets = builtinTypes().find((t) => t.plural === 'secrets')!;

describe('label selectors', () => {
  it.each([
    ['app=pg', { app: 'pg' }, true],
    ['app==pg', { app: 'web' }, false],
    ['app!=pg', {}, true],
    ['app!=pg', { app: 'pg' }, false],
    ['tier in (db,cache)', { tier: 'cache' }, true],
    ['tier in (db, cache)', {}, false],
    ['tier notin (db)', {}, true],
    ['tier notin (db)', { tier: 'db' }, false],
    ['app', { app: '' }, true],
    ['!app', { app: 'x' }, false],
    ['app=pg,!legacy,tier in (db)', { app: 'pg', tier: 'db' }, true],
    ['example.com/role=primary', { 'example.com/role': 'primary' }, true],
    ['app=', { app: '' }, true],
    ['size>3', { size: '4' }, true],
  ])('%s on %j → %s', (selector, labels, expected) => {
    expect(parseLabelSelector(selector)(obj(labels))).toBe(expected);
  });

  it.each(['a in b', 'app=x y', 'bad key=1', '=x', 'a,,b', 'a in ()'])('refuses %s with 400', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(ApiError);
    try {
      parseLabelSelector(selector);
    } catch (e) {
      expect((e as ApiError).code).toBe(400);
    }
  });
});

describe('field selectors', () => {
  it('matches metadata fields and the type’s own fields, with != and escapes', () => {
    expect(parseFieldSelector('metadata.name=n,metadata.namespace==ns', secrets)(obj({}))).toBe(true);
    expect(parseFieldSelector('metadata.name!=n', secrets)(obj({}))).toBe(false);
    expect(parseFieldSelector('type=Opaque', secrets)(obj({}, { type: 'Opaque' }))).toBe(true);
    expect(parseFieldSelector('metadata.name=a\\,b', secrets)({ metadata: { name: 'a,b' } })).toBe(true);
  });

  it('refuses unknown fields with 400', () => {
    expect(() => parseFieldSelector('spec.x=1', secrets)).toThrow('field label not supported: spec.x');
  });
});
