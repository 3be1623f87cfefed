/**
 * Which TLS settings one in-cluster server runs with, decided once and recorded in its backend
 * state, so that neither a restart of the operator nor a change of the config flips a running
 * server: a new server takes the config's choice; a server that exists without a record (made
 * before TLS, or adopted from the Python operator) keeps what it runs; either moves to the
 * config's choice when its spec changes (a new generation) or when the admin sets
 * `tls.apply_to_existing`.
 */
import type { TlsSettings } from '../../../config/sections/tls.js';
import type { BackendState, ServerContext } from '../../types.js';

export interface ServerTls {
  /** The server serves TLS with a certificate of the operator's CA; clients verify it (verify-full). */
  enabled: boolean;
  /** pg_hba refuses TCP clients without TLS. */
  require: boolean;
  /** The generation the choice was made at. */
  generation: number;
  /** Serial of the certificate PostgreSQL was last told to load (renewals reload until it matches). */
  serial?: string;
}

export type TlsSwitch = Pick<ServerTls, 'enabled' | 'require'>;

export const NO_TLS: TlsSwitch = { enabled: false, require: false };

export function configuredTls(settings: TlsSettings): TlsSwitch {
  return { enabled: settings.enabled, require: settings.enabled && settings.require_tls };
}

/** The recorded choice in a backend state, if well-formed. */
export function recordedTls(state: BackendState): ServerTls | undefined {
  const t = state.tls as Partial<ServerTls> | undefined;
  if (!t || typeof t.enabled !== 'boolean' || typeof t.require !== 'boolean' || typeof t.generation !== 'number') return undefined;
  return { enabled: t.enabled, require: t.require, generation: t.generation, ...(typeof t.serial === 'string' ? { serial: t.serial } : {}) };
}

/**
 * The choice for this reconcile. `running` is what the server's objects show when it exists
 * (undefined when it does not exist yet).
 */
export function chooseServerTls(ctx: Pick<ServerContext, 'state' | 'generation'>, settings: TlsSettings, running: TlsSwitch | undefined): ServerTls {
  const recorded = recordedTls(ctx.state);
  const wanted = configuredTls(settings);
  if (recorded) {
    const hold = !settings.apply_to_existing && ctx.generation <= recorded.generation;
    // The generation moves with the spec, so a later config change waits for the next spec change.
    if (hold || same(recorded, wanted)) return { ...recorded, generation: Math.max(recorded.generation, ctx.generation) };
    return { ...wanted, generation: ctx.generation, ...(wanted.enabled && recorded.serial ? { serial: recorded.serial } : {}) };
  }
  if (running && !settings.apply_to_existing) return { ...running, generation: ctx.generation };
  return { ...wanted, generation: ctx.generation };
}

function same(a: TlsSwitch, b: TlsSwitch): boolean {
  return a.enabled === b.enabled && a.require === b.require;
}

/** The backend state with the choice recorded (the same object when nothing changed). */
export function withTls(state: BackendState, tls: ServerTls): BackendState {
  const recorded = recordedTls(state);
  if (recorded && same(recorded, tls) && recorded.generation === tls.generation && recorded.serial === tls.serial) return state;
  return { ...state, tls };
}

/**
 * pg_hba.conf for an in-cluster server: local socket connections as the image has them (its
 * init scripts and tools in the pod), then TCP with a password — only over TLS when required.
 * `md5`, as the Bitnami chart writes it: PostgreSQL uses SCRAM for every role with a SCRAM
 * verifier and md5 only for roles whose password is an md5 hash (what PostgreSQL 13 images make of
 * POSTGRES_PASSWORD), which `scram-sha-256` would lock out.
 */
export function hbaConfig(tls: TlsSwitch): string {
  const lines = ['# Written by hybrid-cloud-postgresql-operator.', 'local all all trust'];
  if (tls.require) lines.push('hostssl all all all md5', 'host all all all reject');
  else lines.push('host all all all md5');
  return `${lines.join('\n')}\n`;
}
