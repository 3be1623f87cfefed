import { describe, it, expect } from '@jest/globals';
import { redact } from './redact.js';

describe('redact', () => {
  it('masks the given secrets and their base64 form', () => {
    const secret = 'S3cretPassw0rd';
    const b64 = Buffer.from(secret).toString('base64');
    const out = redact(`failed: ${secret} and ${b64}`, [secret]);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(b64);
    expect(out).toBe('failed: *** and ***');
  });

  it('masks credentials in URLs', () => {
    expect(redact('pull https://bob:hunter22@charts.example.com/x failed')).toBe('pull https://***@charts.example.com/x failed');
    expect(redact('oci://robot:tok3n@registry.example.com/charts')).toBe('oci://***@registry.example.com/charts');
  });

  it('masks password- and token-like pairs', () => {
    expect(redact('postgresPassword: abc123 more')).toBe('postgresPassword: *** more');
    expect(redact('--password=abc123')).toBe('--password=***');
    expect(redact('{"token":"abc"}')).toBe('{"token":"***"}');
    expect(redact('Authorization: Bearer eyJhbGciOi')).toBe('Authorization: Bearer ***');
  });

  it('leaves ordinary messages alone', () => {
    const msg = 'Error: INSTALLATION FAILED: chart "postgresql" version "99.0.0" not found';
    expect(redact(msg, ['short', 'x'])).toBe(msg);
  });

  it('ignores secrets too short to mask safely', () => {
    expect(redact('abc abc', ['abc'])).toBe('abc abc');
  });

  it('cuts long output and keeps its end', () => {
    const out = redact(`${'x'.repeat(5000)}Error: the end`);
    expect(out.length).toBeLessThan(2100);
    expect(out.endsWith('Error: the end')).toBe(true);
  });
});
