/** Tables inside a database, created and changed by the database's own role (PostgreSQLTable). */
export { foldName, identifierProblem, printable, RESERVED_KEYWORDS } from './identifiers.js';
export { parseColumnType, typmodFor, isWidening, type ParsedType, type TypeShape } from './column-types.js';
export { defaultSql, DEFAULT_FUNCTIONS } from './column-defaults.js';
export { readTable, type ActualTable, type ActualColumn, type TableLookup } from './catalog.js';
export { resolveColumns, columnDefinition, type ResolvedColumn, type ColumnRequest } from './resolve.js';
export { planTable, type TablePlan } from './plan.js';
export { createTable, alterTable, dropTable, tableClaimant, TABLE_CLAIM_PREFIX, type TableDefinition } from './ddl.js';
