import { describe, expect, it } from '@jest/globals';
import { MAX_PG_NAME_BYTES } from './names.js';
import { otherLogin, secondLogin } from './logins.js';

describe('the two logins of a database (ADR 0016)', () => {
  it('names the second login after the owner, with a double underscore no CR name yields by accident', () => {
    expect(secondLogin('orders')).toBe('orders__alt');
    expect(otherLogin('orders', 'orders')).toBe('orders__alt');
    expect(otherLogin('orders', 'orders__alt')).toBe('orders');
  });

  it('stays within PostgreSQL’s 63 bytes and apart for long owners that share a prefix', () => {
    const a = 'a'.repeat(60);
    const b = `${'a'.repeat(59)}b`;
    for (const owner of [a, b, 'x'.repeat(63)]) expect(Buffer.byteLength(secondLogin(owner))).toBeLessThanOrEqual(MAX_PG_NAME_BYTES);
    expect(secondLogin(a)).not.toBe(secondLogin(b));
    expect(secondLogin(a)).toMatch(/__alt$/);
  });
});
