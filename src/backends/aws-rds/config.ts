/**
 * The `awsrds` / `awsaurora` config section as these backends read it: the reference keys (with
 * the virtual `aws` section as key-by-key fallback) plus a few of our own (endpoint override,
 * final-snapshot policy, apply policy, engine version table, CA bundle file). The schema lives in
 * `src/config/sections/aws.ts`.
 */
import { backendSection } from '../../config/backend-section.js';
import type { AwsSharedSection } from '../../config/sections/aws.js';
import type { OperatorConfig } from '../../config/types.js';

/** One size class: AWS sizes by instance type, never by cpu/memory. */
export interface AwsClass {
  /** e.g. `db.m5.large`; `db.serverless` for Aurora Serverless v2. */
  instance_type: string;
  /** RDS: gp2, gp3, io1, io2; Aurora: aurora, aurora-iopt1. */
  storage_type?: string | null;
  /** Provisioned IOPS (RDS io1/io2/gp3); 0 or unset = none. */
  iops?: number | null;
  /** Aurora Serverless v2 capacity range in ACUs. */
  scaling_configuration?: { min_capacity: number; max_capacity: number } | null;
}

/**
 * When disruptive modifications happen:
 * - `immediately`: every change is applied at once (class changes reboot the instance);
 * - `maintenance_window`: every deferrable change waits for the maintenance window;
 * - `safe` (default): non-disruptive changes (storage size, backups, autoscaling, Multi-AZ, network,
 *   deletion protection) apply at once; instance class and engine upgrades wait for the window.
 */
export type ApplyPolicy = AwsSharedSection['apply_changes'];

/**
 * One view of both sections (`awsrds` has `availability_zone`, `awsaurora` `availability_zones`).
 * `allowed_extensions` null means the built-in list (see `allowedExtensions`).
 */
export interface AwsSection extends Omit<AwsSharedSection, 'subnet_group' | 'region'> {
  region: string;
  subnet_group: string | null;
  availability_zone: string | null;
  availability_zones: string[];
  classes: Record<string, AwsClass>;
  default_class: string | null;
}

/** Majors RDS and Aurora PostgreSQL offer (oldest first); `latest` is the last one. */
export const DEFAULT_ENGINE_VERSIONS = ['13', '14', '15', '16', '17'] as const;

export const SECTION_DEFAULTS: AwsSection = {
  region: '',
  vpc_security_group_ids: [],
  subnet_group: null,
  deletion_protection: false,
  network: { public_access: false },
  admin_username: 'postgres',
  name_pattern: '{namespace}-{name}',
  name_overrides: [],
  tags: {},
  availability_zone: null,
  availability_zones: [],
  classes: {},
  default_class: null,
  cpu_limit: null,
  memory_limit_mb: null,
  storage_limit_gb: null,
  database_delete_fake: false,
  allowed_extensions: null,
  endpoint: null,
  final_snapshot: true,
  apply_changes: 'safe',
  engine_versions: [...DEFAULT_ENGINE_VERSIONS],
  ca_bundle_file: null,
};

type Raw = Record<string, unknown> | undefined | null;

/**
 * Fills unset keys with the defaults (`null`/`undefined` count as unset), one level deep for
 * `network`. Tolerates sections that already went through the config schema.
 */
export function normalizeSection(raw: Raw): AwsSection {
  const out: Record<string, unknown> = { ...SECTION_DEFAULTS };
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (value !== undefined && value !== null) out[key] = value;
  }
  const network = (raw?.network ?? {}) as Record<string, unknown>;
  out.network = { public_access: network.public_access ?? SECTION_DEFAULTS.network.public_access };
  if (!Array.isArray(out.engine_versions) || out.engine_versions.length === 0) out.engine_versions = [...DEFAULT_ENGINE_VERSIONS];
  out.engine_versions = (out.engine_versions as unknown[]).map(String);
  return out as unknown as AwsSection;
}

/** The backend's section from the operator config, `aws` fallbacks and defaults applied. */
export function readSection(config: OperatorConfig, backend: 'awsrds' | 'awsaurora'): AwsSection {
  return normalizeSection(backendSection<Record<string, unknown>>(config, backend));
}

/** Extensions servers may provision unless the admin sets `allowed_extensions` (all offered by RDS and Aurora). */
export const DEFAULT_ALLOWED_EXTENSIONS: readonly string[] = [
  'btree_gin', 'btree_gist', 'citext', 'cube', 'dblink', 'earthdistance', 'fuzzystrmatch', 'hstore', 'intarray', 'isn',
  'lo', 'ltree', 'pg_buffercache', 'pg_cron', 'pg_partman', 'pg_prewarm', 'pg_stat_statements', 'pg_trgm', 'pgaudit',
  'pgcrypto', 'pgrowlocks', 'pgstattuple', 'postgis', 'postgres_fdw', 'tablefunc', 'unaccent', 'uuid-ossp', 'vector',
];

export function allowedExtensions(section: AwsSection): string[] {
  return (section.allowed_extensions ?? DEFAULT_ALLOWED_EXTENSIONS).map((e) => e.toLowerCase());
}
