/**
 * How CR names become PostgreSQL names. As in the reference operator, a PostgreSQLDatabase's
 * `metadata.name` with dashes turned into underscores is both the database and the role name,
 * so applications keep their database names when migrating.
 */

/** PostgreSQL truncates identifiers beyond NAMEDATALEN - 1 bytes. */
export const MAX_PG_NAME_BYTES = 63;

/**
 * Names a tenant must never get: system databases, the bootstrap superuser, reserved role names
 * and the built-in administrative roles of the managed clouds.
 */
export const RESERVED_PG_NAMES: readonly string[] = [
  'postgres', 'template0', 'template1', 'public', 'none', 'current_user', 'current_role', 'session_user',
  'azure_maintenance', 'azure_sys', 'azure_superuser', 'azure_pg_admin', 'azuresu', 'replication',
  'rdsadmin', 'rds_superuser', 'rdsrepladmin', 'rds_replication', 'rds_password', 'rdstopmgr',
];

export function toPgName(crName: string): string {
  return crName.replace(/-/g, '_');
}

/**
 * Why PostgreSQL (or this operator) cannot use `name` as a database/role name, or undefined when
 * it can. `extraReserved` adds names known at run time, e.g. the server's admin user.
 */
export function validatePgName(name: string, extraReserved: readonly string[] = []): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_PG_NAME_BYTES) {
    return `"${name}" is longer than PostgreSQL's limit of ${MAX_PG_NAME_BYTES} bytes`;
  }
  if (!/^[a-z_]/.test(name)) return `"${name}" must start with a lowercase letter or an underscore`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    return `"${name}" may only contain lowercase letters, digits and underscores (dashes become underscores)`;
  }
  if (name.startsWith('pg_')) return `"${name}" starts with "pg_", which PostgreSQL reserves for system roles`;
  if (RESERVED_PG_NAMES.includes(name) || extraReserved.includes(name)) return `"${name}" is a reserved name`;
  return undefined;
}
