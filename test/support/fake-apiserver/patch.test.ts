import { describe, expect, it } from '@jest/globals';
import { applyDefaults, prune } from './crd-schema.js';
import { validateValue } from './crd-validate.js';
import type { FieldError } from './errors.js';
import { ApiError } from './errors.js';
import { jsonPatch, mergePatch } from './patch.js';
import { strategicMerge } from './strategic-merge.js';
import type { Schema } from './types.js';

describe('merge patch (RFC 7386)', () => {
  it('merges objects, deletes on null and replaces lists', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({ a: { c: 2, d: 3 }, l: [3] });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { a: { b: [1, 2] }, 'x/y': 1 };

  it('adds, removes, replaces, moves, copies and tests', () => {
    const out = jsonPatch(doc, [
      { op: 'add', path: '/a/b/1', value: 9 },
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'replace', path: '/x~1y', value: 2 },
      { op: 'copy', from: '/x~1y', path: '/c' },
      { op: 'move', from: '/c', path: '/d' },
      { op: 'remove', path: '/a/b/0' },
      { op: 'test', path: '/d', value: 2 },
    ]);
    expect(out).toEqual({ a: { b: [9, 2, 3] }, 'x/y': 2, d: 2 });
    expect(doc).toEqual({ a: { b: [1, 2] }, 'x/y': 1 });
  });

  it.each([
    [{ op: 'test', path: '/a/b/0', value: 5 }],
    [{ op: 'remove', path: '/missing' }],
    [{ op: 'replace', path: '/missing', value: 1 }],
    [{ op: 'add', path: '/no/parent', value: 1 }],
  ])('fails %j with 422', (op) => {
    try {
      jsonPatch(doc, [op]);
      throw new Error('patch applied');
    } catch (e) {
      expect((e as ApiError).code).toBe(422);
    }
  });
});

describe('strategic merge patch (simplified)', () => {
  it('merges containers by name, unions finalizers and honours $patch: delete', () => {
    const target = { metadata: { finalizers: ['a'] }, spec: { containers: [{ name: 'x', image: '1' }, { name: 'y', image: '1' }] } };
    const patch = { metadata: { finalizers: ['b'] }, spec: { containers: [{ name: 'y', image: '2' }, { name: 'x', $patch: 'delete' }, { name: 'z', image: '3' }] } };
    expect(strategicMerge(target, patch)).toEqual({ metadata: { finalizers: ['a', 'b'] }, spec: { containers: [{ name: 'y', image: '2' }, { name: 'z', image: '3' }] } });
  });
});

describe('CRD structural schema', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['size'],
        properties: {
          size: { type: 'string', enum: ['s', 'l'] },
          n: { type: 'integer', default: 1, minimum: 0 },
          o: { type: 'object', default: {}, properties: { c: { type: 'string', default: 'blue' } } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  };

  it('prunes unknown fields, keeps preserved ones, and applies nested defaults', () => {
    const obj: Record<string, unknown> = { apiVersion: 'g/v1', kind: 'K', metadata: { name: 'x' }, junk: 1, spec: { size: 's', n: null, extra: true, free: { any: 1 }, tags: { a: 'b' } } };
    prune(obj, schema, true);
    applyDefaults(obj, schema);
    expect(obj).toEqual({ apiVersion: 'g/v1', kind: 'K', metadata: { name: 'x' }, spec: { size: 's', n: 1, o: { c: 'blue' }, free: { any: 1 }, tags: { a: 'b' } } });
  });

  it('reports required, enum, type and bound violations with their field paths', () => {
    const errs: FieldError[] = [];
    validateValue({ spec: { size: 'xl', n: -1, tags: { a: 2 } } }, schema, '', errs);
    validateValue({ spec: {} }, schema, '', errs);
    expect(errs.map((e) => `${e.field} ${e.reason}`)).toEqual([
      'spec.size FieldValueNotSupported',
      'spec.n FieldValueInvalid',
      'spec.tags.a FieldValueTypeInvalid',
      'spec.size FieldValueRequired',
    ]);
  });
});
