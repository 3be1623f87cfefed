import { describe, it, expect } from '@jest/globals';
import { chartSource, DEFAULT_CHART } from './chart-ref.js';

describe('chartSource', () => {
  it('pulls the default OCI chart at the pinned version', () => {
    expect(chartSource(DEFAULT_CHART, '17.1.0')).toEqual({ args: ['oci://registry-1.docker.io/bitnamicharts/postgresql', '--version', '17.1.0'], versioned: true });
  });

  it('reads a classic repository URL as the repository holding "postgresql"', () => {
    expect(chartSource('https://charts.example.com/bitnami', '17.1.0')).toEqual({
      args: ['postgresql', '--repo', 'https://charts.example.com/bitnami', '--version', '17.1.0'],
      versioned: true,
    });
  });

  it('installs an archive URL or a local path as it is (their version is fixed)', () => {
    expect(chartSource('https://charts.example.com/postgresql-17.1.0.tgz', '17.1.0')).toEqual({ args: ['https://charts.example.com/postgresql-17.1.0.tgz'], versioned: false });
    expect(chartSource('/charts/postgresql', '17.1.0')).toEqual({ args: ['/charts/postgresql'], versioned: false });
    expect(chartSource('./postgresql-17.1.0.tgz', '17.1.0')).toEqual({ args: ['./postgresql-17.1.0.tgz'], versioned: false });
  });

  it('passes a repository alias with the version', () => {
    expect(chartSource('mirror/postgresql', '17.1.0')).toEqual({ args: ['mirror/postgresql', '--version', '17.1.0'], versioned: true });
  });

  it('lets helm pick the newest when no version is pinned', () => {
    expect(chartSource(DEFAULT_CHART, '')).toEqual({ args: [DEFAULT_CHART], versioned: false });
  });
});
