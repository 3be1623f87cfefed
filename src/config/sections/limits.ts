import { AMOUNT, EXTENSION_LIST, FLAG, WHOLE } from '../common-formats.js';
import type { Fragment } from '../fragment.js';

/** Upper limits and database rules every backend section has (the admin's guard rails). */
export interface SectionLimits {
  /** Highest `spec.size.cpu` a user may request; null or 0 = no limit. */
  cpu_limit: number | null;
  memory_limit_mb: number | null;
  storage_limit_gb: number | null;
  /** Extensions a PostgreSQLDatabase may create; null = the backend's own default list. */
  allowed_extensions: string[] | null;
  /** Keep the database and its role when a PostgreSQLDatabase is deleted. */
  database_delete_fake: boolean;
}

export interface LimitDefaults {
  allowed_extensions: readonly string[] | null;
  database_delete_fake: boolean;
}

export function limitOptions(defaults: LimitDefaults): Fragment {
  return {
    cpu_limit: { doc: 'Upper limit for the number of CPUs a user can request (spec.size.cpu); null or 0 = no limit.', format: AMOUNT, default: null, nullable: true },
    memory_limit_mb: { doc: 'Upper limit for the memory in MB a user can request (spec.size.memoryMB); null or 0 = no limit.', format: WHOLE, default: null, nullable: true },
    storage_limit_gb: { doc: 'Upper limit for the storage in GB a user can request (spec.size.storageGB); null or 0 = no limit.', format: WHOLE, default: null, nullable: true },
    allowed_extensions: {
      doc: "PostgreSQL extensions a PostgreSQLDatabase may create (spec.database.extensions); null = the backend's built-in list.",
      format: EXTENSION_LIST,
      default: defaults.allowed_extensions === null ? null : [...defaults.allowed_extensions],
      nullable: defaults.allowed_extensions === null,
    },
    database_delete_fake: {
      doc: 'If true, deleting a PostgreSQLDatabase keeps the database and its role in the server (only the Kubernetes object goes).',
      format: FLAG,
      default: defaults.database_delete_fake,
    },
  };
}
