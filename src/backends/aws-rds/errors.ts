import { Reason } from '../../api/conditions.js';
import { PermanentError, TemporaryError } from '../errors.js';

/** Error codes AWS uses for rate limiting across its APIs. */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
]);

/** The spec or the config asks for something RDS refuses: retrying the same request cannot help. */
const INVALID_REQUEST = new Set([
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'StorageTypeNotSupported',
  'StorageTypeNotSupportedFault',
  'InvalidDBInstanceClass',
]);

/** Something in the AWS account must change (quota, capacity, missing network pieces): retried slowly. */
const ENVIRONMENT = new Set([
  'InstanceQuotaExceeded',
  'StorageQuotaExceeded',
  'DBClusterQuotaExceededFault',
  'InsufficientDBInstanceCapacity',
  'InsufficientDBClusterCapacityFault',
  'DBSubnetGroupNotFoundFault',
  'DBSubnetGroupDoesNotCoverEnoughAZs',
  'InvalidVPCNetworkStateFault',
  'InvalidSubnet',
  'KMSKeyNotAccessibleFault',
  'AuthorizationNotFound',
  'SnapshotQuotaExceeded',
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
]);

/**
 * The AWS error code of an SDK error. Modeled faults are named after their class
 * (`DBInstanceNotFoundFault`), unmodeled ones after the wire code (`Throttling`).
 */
export function errorCode(error: unknown): string {
  if (!error || typeof error !== 'object') return '';
  const e = error as { name?: unknown; Code?: unknown; code?: unknown };
  return String(e.Code ?? e.name ?? e.code ?? '');
}

export function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = errorCode(error);
  // Modeled faults carry a "Fault" suffix the wire code may lack, and vice versa.
  return codes.some((c) => c === code || `${c}Fault` === code || c === `${code}Fault`);
}

export interface ErrorTiming {
  throttleSeconds: number;
  environmentSeconds: number;
}

/**
 * Turns an SDK error into the contract's vocabulary: throttling and account-level problems are
 * temporary (with a wait), invalid requests permanent, anything else passes unchanged (the
 * handler backs off exponentially). `what` names the operation for the message.
 */
export function translate(error: unknown, what: string, timing: ErrorTiming): Error {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (THROTTLING.has(code)) {
    // Jitter keeps many servers from coming back in lockstep.
    const wait = Math.round(timing.throttleSeconds * (0.75 + Math.random() * 0.5));
    return new TemporaryError(`${what}: AWS throttled the request (${code}); retrying in ${wait} s`, wait, { cause: error });
  }
  if (INVALID_REQUEST.has(code)) return new PermanentError(`${what}: AWS refused the request (${code}): ${message}`, Reason.InvalidSpec);
  if (ENVIRONMENT.has(code)) {
    return new TemporaryError(`${what}: ${code}: ${message}`, timing.environmentSeconds, { cause: error });
  }
  if (error instanceof Error) return error;
  return new Error(`${what}: ${message}`);
}
