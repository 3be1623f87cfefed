import type { BackendDeps, BackendFactory } from '../types.js';
import type { CallCounter } from './call-counter.js';
import { AwsAuroraBackend } from './aurora-backend.js';
import { readSection } from './config.js';
import { AwsRdsBackend } from './rds-backend.js';

export { AwsRdsBackend } from './rds-backend.js';
export { AwsAuroraBackend } from './aurora-backend.js';
export type { AwsBackendOptions } from './aws-backend.js';
export type { AwsSection } from './config.js';

/** `awsrds`: RDS for PostgreSQL instances. Credentials come from the SDK's default chain. */
export const createAwsRdsBackend: BackendFactory = (deps: BackendDeps) =>
  new AwsRdsBackend({
    section: readSection(deps.config, 'awsrds'),
    log: deps.log.child({ backend: 'awsrds' }),
    applyAdoptionDifferences: deps.config.python_takeover.apply_differences,
    onCloudCall: counterFor(deps, 'awsrds'),
  });

/** `awsaurora`: Aurora PostgreSQL clusters with one writer instance. */
export const createAwsAuroraBackend: BackendFactory = (deps: BackendDeps) =>
  new AwsAuroraBackend({
    section: readSection(deps.config, 'awsaurora'),
    log: deps.log.child({ backend: 'awsaurora' }),
    applyAdoptionDifferences: deps.config.python_takeover.apply_differences,
    onCloudCall: counterFor(deps, 'awsaurora'),
  });

function counterFor(deps: BackendDeps, backend: string): CallCounter | undefined {
  const record = deps.recordCloudCall;
  return record && ((operation, result) => record(backend, operation, result));
}
