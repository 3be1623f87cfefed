import { oneOf } from '../checks.js';
import { defineFormat } from '../formats.js';
import type { Fragment } from '../fragment.js';

const DELETION_POLICY = defineFormat({ name: 'table-deletion-policy', kind: 'string', check: oneOf(['Delete', 'Retain']) });

/** Options of PostgreSQLTable objects. */
export const tables = {
  tables: {
    deletion_policy: {
      doc: 'What deleting a PostgreSQLTable does when its spec.deletionPolicy is not set: Delete drops the table (the Event says how many rows went), Retain leaves it in the database.',
      format: DELETION_POLICY,
      default: 'Delete',
    },
  },
} satisfies Fragment;
