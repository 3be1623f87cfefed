import { describe, it, expect } from '@jest/globals';
import { MAX_PG_NAME_BYTES, toPgName, validatePgName } from './names.js';

describe('toPgName', () => {
  it('turns dashes into underscores, as the reference operator does', () => {
    expect(toPgName('team-foo-service')).toBe('team_foo_service');
    expect(toPgName('plain')).toBe('plain');
  });
});

describe('validatePgName', () => {
  it('accepts ordinary names converted from CR names', () => {
    for (const name of ['fooservice', 'team_foo', '_x', 'a1', 'a'.repeat(MAX_PG_NAME_BYTES)]) {
      expect(validatePgName(name)).toBeUndefined();
    }
  });

  it('refuses names longer than 63 bytes', () => {
    expect(validatePgName('a'.repeat(MAX_PG_NAME_BYTES + 1))).toMatch(/longer than .* 63 bytes/);
  });

  it('refuses names that do not start with a letter or underscore', () => {
    expect(validatePgName('1app')).toMatch(/must start with/);
    expect(validatePgName('')).toMatch(/empty/);
  });

  it('refuses characters other than lowercase letters, digits and underscores', () => {
    // DNS subdomain names may contain dots; quotes and spaces only arrive by hand-made calls.
    for (const name of ['app.v2', 'a-b', 'App', 'x"; DROP DATABASE postgres; --', "o'brien", 'a b', 'café']) {
      expect(validatePgName(name)).toMatch(/may only contain|must start with/);
    }
  });

  it('refuses the pg_ prefix and reserved names', () => {
    expect(validatePgName('pg_monitor')).toMatch(/pg_/);
    for (const name of ['postgres', 'template0', 'template1', 'public', 'azure_pg_admin', 'rdsadmin', 'none']) {
      expect(validatePgName(name)).toMatch(/reserved/);
    }
  });

  it('refuses extra names known at run time, such as the admin user', () => {
    expect(validatePgName('myadmin')).toBeUndefined();
    expect(validatePgName('myadmin', ['myadmin'])).toMatch(/reserved/);
  });
});
