/**
 * PostgreSQL majors Azure Database for PostgreSQL Flexible Server offers for NEW servers, oldest
 * first. Maintained by hand (checked against Azure's "supported versions" page, 2026-11): 11 and 12
 * are retired for new servers. `latest` resolves to the last entry, so adding a major here is the
 * only change needed when Azure releases one. The SDK's `KnownPostgresMajorVersion` lists what the
 * API accepts, not what Azure still offers, so it is not used for this.
 */
export const FLEXIBLE_SERVER_VERSIONS: readonly string[] = ['13', '14', '15', '16', '17', '18'];
