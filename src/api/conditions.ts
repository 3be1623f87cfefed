/**
 * The small, fixed vocabulary of condition reasons (CamelCase, as GitOps tools expect).
 * Only `Ready` is used as condition type; its reason says why it is or is not true.
 */
export const READY = 'Ready';

export const Reason = {
  // Ready=True
  Available: 'Available',
  // Ready=False, work under way
  Creating: 'Creating',
  Updating: 'Updating',
  Pending: 'Pending',
  Deleting: 'Deleting',
  ResettingPassword: 'ResettingPassword',
  WaitingForServer: 'WaitingForServer',
  WaitingForDatabase: 'WaitingForDatabase',
  // Ready=False, the spec or the environment must change (terminal until the generation changes)
  InvalidSpec: 'InvalidSpec',
  UnknownClass: 'UnknownClass',
  LimitExceeded: 'LimitExceeded',
  BackendNotAllowed: 'BackendNotAllowed',
  ServerNotFound: 'ServerNotFound',
  InvalidName: 'InvalidName',
  SecretConflict: 'SecretConflict',
  ExtensionNotAllowed: 'ExtensionNotAllowed',
  DatabaseConflict: 'DatabaseConflict',
  DeletionBlocked: 'DeletionBlocked',
  // Ready=False, yet usable (databases keep working): the cloud does not take a setting; the
  // operator stopped re-sending it until the spec changes or the label operator/action=retry
  NotConverging: 'NotConverging',
  DatabaseNotFound: 'DatabaseNotFound',
  /** A table change outside the list of changes applied (removed column, narrowing, primary key). */
  UnsafeChange: 'UnsafeChange',
  /** A table of that name exists and was not created by this PostgreSQLTable. */
  TableConflict: 'TableConflict',
  /** The admin of an external server lacks a right the operator needs (CREATEDB, CREATEROLE). */
  MissingPrivilege: 'MissingPrivilege',
  /** The database's namespace is not granted by the server's spec.sharing. */
  NotPermitted: 'NotPermitted',
  /** The namespace has as many databases on the server as spec.sharing allows. */
  QuotaExceeded: 'QuotaExceeded',
  // Ready=False, a fault that is retried with backoff
  BackendError: 'BackendError',
} as const;

export type ReasonName = (typeof Reason)[keyof typeof Reason];
