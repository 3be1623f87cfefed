import { describe, it, expect } from '@jest/globals';
import { normalizeValues, valueDifferences } from './compare.js';

describe('valueDifferences', () => {
  it('is empty for deep-equal values regardless of key order', () => {
    expect(valueDifferences({ a: { b: 1, c: 'x' }, d: [1, 2] }, { d: [1, 2], a: { c: 'x', b: 1 } })).toEqual([]);
  });

  it('treats what helm prints for a release without values (null) as empty', () => {
    expect(valueDifferences(null, {})).toEqual([]);
    expect(normalizeValues(null)).toEqual({});
  });

  it('names each differing path with old and new value', () => {
    expect(valueDifferences({ primary: { persistence: { size: '10Gi' } }, image: { tag: '17' } }, { primary: { persistence: { size: '20Gi' } }, image: { tag: '17' } })).toEqual([
      'primary.persistence.size: "10Gi" → "20Gi"',
    ]);
  });

  it('reports added and removed keys', () => {
    expect(valueDifferences({ a: 1 }, { b: 2 })).toEqual(['a: 1 → (unset)', 'b: (unset) → 2']);
  });

  it('compares arrays by order', () => {
    expect(valueDifferences({ l: [1, 2] }, { l: [2, 1] })).toEqual(['l: [1,2] → [2,1]']);
  });

  it('does not show values of keys that look like credentials', () => {
    const diffs = valueDifferences({ auth: { existingSecret: 'old' } }, { auth: { existingSecret: 'new' } });
    expect(diffs).toEqual(['auth.existingSecret changed']);
  });

  it('lists a subtree set or unset as a whole leaf by leaf, so credentials inside it stay hidden', () => {
    // The Python operator's releases carry the admin password in their values.
    const python = { global: { storageClass: '', postgresql: { auth: { postgresPassword: 'Pyth0n-Secret' } } } };
    const diffs = valueDifferences(python, { auth: { existingSecret: 's' } });
    expect(diffs).toEqual(['auth.existingSecret changed', 'global.postgresql.auth.postgresPassword changed', 'global.storageClass: "" → (unset)']);
    expect(JSON.stringify(valueDifferences({ auth: { existingSecret: 's' } }, python))).not.toContain('Pyth0n-Secret');
  });

  it('ignores undefined (not sent to helm)', () => {
    expect(valueDifferences({ a: 1 }, { a: 1, b: undefined })).toEqual([]);
  });
});
