import base from './jest.config.js';

/** Same scenarios against the cluster in KUBECONFIG; every suite skips itself without one. */
export default {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 600000,
  maxWorkers: 1,
};
