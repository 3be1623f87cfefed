import { LABEL_COMPONENT, LABEL_DATABASE, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, LABEL_SERVER, MANAGED_BY } from '../api/constants.js';

/** Labels of every in-cluster object belonging to a server (exact selection, never name prefixes). */
export function serverLabels(server: string): Record<string, string> {
  return {
    [LABEL_NAME]: 'postgresql',
    // Matches the reference Quickstart: `kubectl get pods -l app.kubernetes.io/instance=demoteam-postgresql`.
    [LABEL_INSTANCE]: `${server}-postgresql`.slice(0, 63).replace(/[-_.]+$/, ''),
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_SERVER]: server.slice(0, 63).replace(/[-_.]+$/, ''),
  };
}

export function databaseLabels(server: string, database: string): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_COMPONENT]: 'database-credentials',
    [LABEL_SERVER]: server.slice(0, 63).replace(/[-_.]+$/, ''),
    [LABEL_DATABASE]: database.slice(0, 63).replace(/[-_.]+$/, ''),
  };
}
