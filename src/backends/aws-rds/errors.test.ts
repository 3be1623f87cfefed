import { describe, expect, it } from '@jest/globals';
import { PermanentError, TemporaryError } from '../errors.js';
import { errorCode, hasCode, translate } from './errors.js';

const awsError = (name: string, message = 'boom') => Object.assign(new Error(message), { name });
const timing = { throttleSeconds: 20, environmentSeconds: 300 };

describe('AWS error translation', () => {
  it('matches codes with or without the Fault suffix', () => {
    expect(errorCode(awsError('DBInstanceNotFoundFault'))).toBe('DBInstanceNotFoundFault');
    expect(hasCode(awsError('DBInstanceNotFoundFault'), 'DBInstanceNotFound')).toBe(true);
    expect(hasCode(awsError('InvalidDBClusterStateFault'), 'InvalidDBClusterStateFault')).toBe(true);
    expect(hasCode(awsError('DBClusterNotFoundFault'), 'DBInstanceNotFound')).toBe(false);
    expect(hasCode(undefined, 'X')).toBe(false);
  });

  it('turns throttling into a jittered temporary error', () => {
    for (const code of ['Throttling', 'ThrottlingException', 'RequestLimitExceeded']) {
      const e = translate(awsError(code), 'describing', timing);
      expect(e).toBeInstanceOf(TemporaryError);
      expect((e as TemporaryError).retryAfterSeconds).toBeGreaterThanOrEqual(15);
      expect((e as TemporaryError).retryAfterSeconds).toBeLessThanOrEqual(25);
    }
  });

  it('makes invalid requests permanent and account problems slow temporary errors', () => {
    expect(translate(awsError('InvalidParameterCombination', 'no'), 'modifying', timing)).toBeInstanceOf(PermanentError);
    const quota = translate(awsError('InstanceQuotaExceeded'), 'creating', timing);
    expect(quota).toBeInstanceOf(TemporaryError);
    expect((quota as TemporaryError).retryAfterSeconds).toBe(300);
  });

  it('passes other errors through for the handler to back off', () => {
    const other = awsError('InternalFailure');
    expect(translate(other, 'x', timing)).toBe(other);
    expect(translate('text', 'x', timing).message).toBe('x: text');
  });
});
