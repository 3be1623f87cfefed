import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import base from './jest.config.js';

/**
 * The operator's scenarios against the real cluster in KUBECONFIG (see test/e2e/README.md).
 *
 * The cluster is checked here, once, before any test file loads: without KUBECONFIG or without an
 * answer from its API server every suite is skipped with a one-line reason and the run exits 0
 * (set E2E_REQUIRE_CLUSTER=1 in CI to make that a failure instead). The scenarios run the built
 * operator (`npm run test:e2e` builds first). The in-cluster service account
 * is deliberately NOT used: a unit-test job that happens to run in a pod must never touch its cluster.
 */
const timeoutSeconds = Number(process.env.E2E_TIMEOUT_SECONDS) || 600;
const PROBE_TIMEOUT_MS = 10_000;

/** Any HTTP answer from /version means the cluster is there (auth problems then fail loudly in the tests). */
async function probe(kc, server) {
  const url = new URL('/version', server);
  const options = { method: 'GET', timeout: PROBE_TIMEOUT_MS };
  await kc.applyToHTTPSOptions(options);
  if (url.protocol === 'http:') delete options.agent;
  return new Promise((resolve) => {
    const req = (url.protocol === 'http:' ? http : https).request(url, options, (res) => {
      res.resume();
      resolve(undefined);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) => resolve(`the API server ${server} is not reachable (${err.message})`));
    req.end();
  });
}

async function skipReason(env) {
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (files.length === 0) return 'KUBECONFIG is not set';
  if (!files.some((f) => existsSync(f))) return `KUBECONFIG names no existing file (${files.join(delimiter)})`;
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (err) {
    return `KUBECONFIG cannot be loaded (${err.message})`;
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) return 'KUBECONFIG has no current context with a cluster';
  const timer = new Promise((resolve) => setTimeout(() => resolve(`no answer from ${cluster.server} within ${PROBE_TIMEOUT_MS / 1000} s`), PROBE_TIMEOUT_MS + 2000).unref());
  return Promise.race([probe(kc, cluster.server), timer]);
}

const reason = await skipReason(process.env);
// Test files read these (jest workers inherit this process's environment).
process.env.E2E_CLUSTER_CHECKED = 'yes';
if (reason) {
  if (process.env.E2E_REQUIRE_CLUSTER === '1') throw new Error(`e2e: E2E_REQUIRE_CLUSTER=1 but ${reason}`);
  process.env.E2E_SKIP_REASON = reason;
  process.stdout.write(`e2e: skipped, ${reason}\n`);
}

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Nothing local to clean up after the run (the unit suites' teardown stops throwaway PostgreSQLs).
  globalTeardown: undefined,
  // A scenario waits several times for the cluster, each wait bounded by E2E_TIMEOUT_SECONDS.
  testTimeout: timeoutSeconds * 4 * 1000,
  // One namespace and one operator process at a time: scenarios never compete for the cluster.
  maxWorkers: 1,
};
