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

/** A cert-manager Issuer or ClusterIssuer (`tls.issuer`) that signs a server's certificate. */
export interface IssuerRef {
  name: string;
  kind: string;
  group: string;
}

export interface ServerTls {
  /** The server serves TLS with a certificate of the operator's CA (or `issuer`); clients verify it (verify-full). */
  enabled: boolean;
  /** pg_hba refuses TCP clients without TLS. */
  require: boolean;
  /** The generation the choice was made at. */
  generation: number;
  /** Serial of the certificate PostgreSQL was last told to load (renewals reload until it matches). */
  serial?: string;
  /**
   * The CA (PEM) of that certificate. Until a new certificate of another CA is served (a switch of
   * issuer, a new operator CA) clients and the operator trust both (see `trustedCaBundle`).
   */
  ca?: string;
  /** The cert-manager issuer of the certificate (ADR 0022); unset: the operator's own CA. */
  issuer?: IssuerRef;
}

export type TlsSwitch = Pick<ServerTls, 'enabled' | 'require' | 'issuer'>;

export const NO_TLS: TlsSwitch = { enabled: false, require: false };

export function configuredTls(settings: TlsSettings): TlsSwitch {
  const { name, kind, group } = settings.issuer;
  return { enabled: settings.enabled, require: settings.enabled && settings.require_tls, ...(settings.enabled && name ? { issuer: { name, kind, group } } : {}) };
}

/** The recorded choice in a backend state, if well-formed. */
export function recordedTls(state: BackendState): ServerTls | undefined {
  const t = state.tls as Partial<ServerTls> | undefined;
  if (!t || typeof t.enabled !== 'boolean' || typeof t.require !== 'boolean' || typeof t.generation !== 'number') return undefined;
  const issuer = isIssuerRef(t.issuer) ? { issuer: { name: t.issuer.name, kind: t.issuer.kind, group: t.issuer.group } } : {};
  const served = { ...(typeof t.serial === 'string' ? { serial: t.serial } : {}), ...(typeof t.ca === 'string' ? { ca: t.ca } : {}) };
  return { enabled: t.enabled, require: t.require, generation: t.generation, ...served, ...issuer };
}

function isIssuerRef(value: unknown): value is IssuerRef {
  const v = value as Partial<IssuerRef> | undefined;
  return typeof v?.name === 'string' && typeof v.kind === 'string' && typeof v.group === 'string';
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
    // The served serial is kept across a change of issuer too: the reload (or restart) follows the new certificate.
    const served = { ...(recorded.serial ? { serial: recorded.serial } : {}), ...(recorded.ca ? { ca: recorded.ca } : {}) };
    return { ...wanted, generation: ctx.generation, ...(wanted.enabled ? served : {}) };
  }
  if (running && !settings.apply_to_existing) return { ...running, generation: ctx.generation };
  return { ...wanted, generation: ctx.generation };
}

function same(a: TlsSwitch, b: TlsSwitch): boolean {
  return a.enabled === b.enabled && a.require === b.require && issuerKey(a.issuer) === issuerKey(b.issuer);
}

/** "ClusterIssuer.cert-manager.io/name", or "" for the operator's own CA: what tells issuers apart. */
export function issuerKey(issuer: IssuerRef | undefined): string {
  return issuer ? `${issuer.kind}.${issuer.group}/${issuer.name}` : '';
}

/** The backend state with the choice recorded (the same object when nothing changed). */
export function withTls(state: BackendState, tls: ServerTls): BackendState {
  const recorded = recordedTls(state);
  if (recorded && same(recorded, tls) && recorded.generation === tls.generation && recorded.serial === tls.serial && recorded.ca === tls.ca) return state;
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

/**
 * What clients and the operator trust: the CA of the certificate Secret, and while PostgreSQL still
 * serves a certificate of another CA (the pod has not reloaded or restarted since a switch of
 * issuer), that CA too — a PEM bundle, which libpq, JDBC and node accept as root certificates.
 */
export function trustedCaBundle(secretCa: string, tls: Pick<ServerTls, 'ca'>): string {
  const served = tls.ca?.trim();
  if (!served || served === secretCa.trim()) return secretCa;
  return `${secretCa.trim()}\n${served}\n`;
}
