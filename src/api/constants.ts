/** Names shared by the CRDs, the handlers and every backend. */
export const GROUP = 'hybridcloud.maibornwolff.de';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const SERVER_KIND = 'PostgreSQLServer';
export const SERVER_PLURAL = 'postgresqlservers';
export const DATABASE_KIND = 'PostgreSQLDatabase';
export const DATABASE_PLURAL = 'postgresqldatabases';
export const TABLE_KIND = 'PostgreSQLTable';
export const TABLE_PLURAL = 'postgresqltables';

/** Held on every CR until its backend resources are gone. */
export const FINALIZER = `${GROUP}/finalizer`;

/** The label users add to ask for a new password (same key and value as the Python operator). */
export const ACTION_LABEL = 'operator/action';
export const RESET_PASSWORD_ACTION = 'reset-password';
/** The label value that makes the operator send a change again after it stopped (NotConverging). */
export const RETRY_ACTION = 'retry';
/** Asks for a rotation without downtime (ADR 0016): the previous login keeps working for the grace period. */
export const ROTATE_PASSWORD_ACTION = 'rotate-password';

export const MANAGED_BY = 'hybrid-cloud-postgresql-operator';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
/** The CR an object belongs to, for exact selection (a name prefix is never used). */
export const LABEL_SERVER = `${GROUP}/server`;
export const LABEL_DATABASE = `${GROUP}/database`;
