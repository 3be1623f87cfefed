import { API_VERSION } from '../../../src/api/constants.js';

/** A PostgreSQLServer as a user writes it; `spec` overrides the small defaults. */
export function serverManifest(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'PostgreSQLServer',
    metadata: { name },
    spec: { size: { storageGB: 1 }, credentialsSecret: `${name}-credentials`, ...spec },
  };
}

export function databaseManifest(name: string, server: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'PostgreSQLDatabase',
    metadata: { name },
    spec: { serverRef: { name: server }, credentialsSecret: `${name}-credentials`, ...spec },
  };
}

/** The names examples/simple.yaml uses. */
export const SIMPLE = {
  file: 'examples/simple.yaml',
  server: 'demoteam',
  serverSecret: 'demoteam-postgres-credentials',
  database: 'demoservice',
  databaseSecret: 'demoservice-postgres-credentials',
} as const;
