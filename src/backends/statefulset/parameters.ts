/**
 * How spec.serverParameters reach a StatefulSet server: new servers (and servers whose spec
 * changed since) get them with ALTER SYSTEM (see common/parameters/lifecycle.ts); servers made
 * before keep their `-c` arguments until their spec changes, so the upgrade restarts no pod.
 */
import type * as k8s from '@kubernetes/client-node';
import type { ServerContext } from '../types.js';

export { applyServerParameters, observeParameters, PARAMETERS_DIFF, RESTART_DIFF, restartState, restartToken, withRunningRestartToken } from '../common/parameters/lifecycle.js';

/** How parameters reach PostgreSQL: `sql` (ALTER SYSTEM) or `args` (`-c` options, as before). */
export interface ParameterMode {
  mode: 'sql' | 'args';
  generation: number;
}

export function parameterMode(ctx: Pick<ServerContext, 'state' | 'generation'>, sts: k8s.V1StatefulSet | undefined): ParameterMode {
  const recorded = ctx.state.parameters as ParameterMode | undefined;
  if (recorded && (recorded.mode === 'sql' || ctx.generation <= recorded.generation)) return recorded;
  if (!recorded && sts && hasParameterArgs(sts)) return { mode: 'args', generation: ctx.generation };
  return { mode: 'sql', generation: ctx.generation };
}

/** Whether the pod passes parameters as `-c` options beyond the operator's own (TLS). */
function hasParameterArgs(sts: k8s.V1StatefulSet): boolean {
  const args = sts.spec?.template.spec?.containers[0]?.args ?? [];
  return args.some((a, i) => args[i - 1] === '-c' && !/^(ssl|ssl_cert_file|ssl_key_file|hba_file)=/.test(a));
}

