/** Backends this operator implements (the names `backend`, `allowed_backends` and spec.backend use). */
export const SUPPORTED_BACKENDS = ['statefulset', 'helmbitnami', 'azurepostgresflexible', 'awsrds', 'awsaurora', 'external'] as const;

export type BackendName = (typeof SUPPORTED_BACKENDS)[number];

/**
 * Backends of the reference operator that this one does not offer. Their config sections still
 * load (so existing config files work unchanged), but selecting them is an error that says why.
 */
export const UNSUPPORTED_BACKENDS: Readonly<Record<string, string>> = {
  azurepostgres: 'Azure retired Database for PostgreSQL single server; use azurepostgresflexible',
  helmyugabyte: 'the Yugabyte prototype of the reference operator was not carried over; use statefulset or helmbitnami',
};

export function isSupportedBackend(name: string): name is BackendName {
  return (SUPPORTED_BACKENDS as readonly string[]).includes(name);
}

/** Why a name cannot be used as a backend, or undefined when it can. */
export function backendNameProblem(name: string): string | undefined {
  if (isSupportedBackend(name)) return undefined;
  const why = UNSUPPORTED_BACKENDS[name];
  if (why) return `backend "${name}" is not supported by this operator: ${why}`;
  return `unknown backend "${name}"; known backends: ${SUPPORTED_BACKENDS.join(', ')}`;
}
