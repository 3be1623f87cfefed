import { describe, expect, it } from '@jest/globals';
import type { TableSpec } from '../api/types.js';
import { readTableSpec } from './table-spec.js';

const spec = (extra: Partial<TableSpec>): TableSpec => ({ databaseRef: { name: 'demoservice' }, tableName: 'WEBSITE_USERS', columns: [{ USER_ID: 'integer' }], ...extra });
const problems = (s: TableSpec) => {
  const read = readTableSpec(s);
  return 'problems' in read ? read.problems.map((p) => `${p.reason}: ${p.message}`).join('\n') : '';
};

describe('readTableSpec', () => {
  it("reads the seed's spec: single-key maps, names folded to lower case, the primary key NOT NULL", () => {
    const read = readTableSpec(
      spec({ columns: [{ USER_ID: 'integer' }, { USER_NAME: 'varchar(50)' }, { USER_EMAIL: 'varchar(100)' }, { SIGNUP_DATE: 'date' }, { LAST_LOGIN: 'timestamp' }], primaryKey: 'USER_ID' }),
    );
    expect(read).toMatchObject({
      table: 'website_users',
      primaryKey: ['user_id'],
      columns: [
        { name: 'user_id', nullable: false, type: { base: 'integer' } },
        { name: 'user_name', nullable: true, type: { base: 'varchar', modifiers: [50] } },
        { name: 'user_email', nullable: true },
        { name: 'signup_date', nullable: true },
        { name: 'last_login', nullable: true, type: { base: 'timestamp' } },
      ],
    });
  });

  it('reads the explicit form, and a single-key map whose key is "name" or "type" is the short form', () => {
    const read = readTableSpec(spec({ columns: [{ name: 'Id', type: 'bigint', nullable: false }, { name: 'text' }, { type: 'integer' }, { name: 'at', type: 'timestamptz', default: 'now()' }] }));
    expect(read).toMatchObject({
      columns: [
        { name: 'id', nullable: false, type: { base: 'bigint' } },
        { name: 'name', type: { base: 'text' } },
        { name: 'type', type: { base: 'integer' } },
        { name: 'at', default: 'now()' },
      ],
    });
  });

  it.each([
    ['no columns', spec({ columns: [] }), /InvalidSpec: spec.columns must list at least one column/],
    ['a duplicate after folding', spec({ columns: [{ A: 'integer' }, { a: 'text' }] }), /column "a" is listed twice/],
    ['an unknown key in the explicit form', spec({ columns: [{ name: 'a', type: 'text', check: 'a > 0' } as never] }), /unknown keys "check"/],
    ['a type that is not a string', spec({ columns: [{ A: 5 } as never] }), /the type must be a string/],
    ['a primary key not among the columns', spec({ primaryKey: 'nope' }), /primary key column "nope" is not in spec.columns/],
    ['a nullable primary key column', spec({ columns: [{ name: 'a', type: 'integer', nullable: true }], primaryKey: 'a' }), /cannot be nullable/],
    ['a reserved table name', spec({ tableName: 'Order' }), /InvalidName: table name "order" is a reserved word/],
    ['a table name with a dash', spec({ tableName: 'web-users' }), /InvalidName: .*ASCII letters/],
    ['a 64-byte name', spec({ tableName: 'a'.repeat(64) }), /longer than PostgreSQL's limit of 63 bytes/],
    ['a default that is an object', spec({ columns: [{ name: 'a', type: 'text', default: { sql: 'now()' } } as never] }), /default must be a string, a number or a boolean/],
  ])('refuses %s', (_label, s, expected) => {
    expect(problems(s)).toMatch(expected);
  });

  it('reports every problem at once', () => {
    expect(problems(spec({ tableName: 'select', columns: [{ 'a;b': 'integer' }, { c: 'int;' }] })).split('\n')).toHaveLength(3);
  });
});
