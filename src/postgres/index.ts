/** The SQL every backend and the database handler share: roles, databases, extensions, pools. */
export { toPgName, validatePgName, MAX_PG_NAME_BYTES, RESERVED_PG_NAMES } from './names.js';
export { scramVerifier, assertScramPassword, SCRAM_DEFAULT_ITERATIONS, type ScramOptions } from './scram.js';
export { PoolRegistry, type PoolRegistryOptions } from './pools.js';
export { sslOptions } from './tls.js';
export { openSession, withSession, connectionConfig, APPLICATION_NAME, type SessionOptions } from './session.js';
export { roleExists, ensureRole, setRolePassword, assertTenantRole } from './roles.js';
export { databaseExists, databaseInPlace, databasesOutOfPlace, findDatabaseOwner, ensureDatabase, createDatabaseSql, type DatabaseSpec } from './databases.js';
export { ensureExtensions } from './extensions.js';
export { dropDatabaseAndRole, dropLeftoverRole, type DropTarget } from './drop.js';
export { tryLogin, type LoginProof } from './login.js';
export { sessionInfo, type SessionInfo } from './server-info.js';
export { SqlError, SqlState, sqlState } from './errors.js';
export type { Queryable, ServerPools } from './types.js';
export { secondLogin, otherLogin, enableLogin, revokeLogin } from './logins.js';
export { assertClaimable, assertStrictClaim, claimDatabase, claimRoleSql, databaseClaimant, roleClaimant, CLAIM_PREFIX } from './claims.js';
export { checkDatabaseRequirements, type DatabaseRequirements } from './prechecks.js';
