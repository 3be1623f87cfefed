import type * as k8s from '@kubernetes/client-node';
import { SSL_MODES } from '../../config/sections/external.js';
import { isNotFound, type KubeClients } from '../../k8s/clients.js';
import type { AdminConnection, SslMode } from '../types.js';

/** The keys of an admin Secret (the names libpq users know). */
export const KEYS = { host: 'host', port: 'port', username: 'username', password: 'password', sslmode: 'sslmode', ca: 'ca.crt', dbname: 'dbname' } as const;
/**
 * A new admin password while a reset is under way: written before PostgreSQL gets it and removed
 * once `password` holds it, so a kill between the two never loses the password that works.
 */
export const PENDING_KEY = 'pending-password';

/** Where the admin credentials of one external server come from. */
export interface AdminSource {
  namespace: string;
  secretName: string;
  /** Set for servers the config declares: these win over the Secret's keys. */
  fixed?: { host: string; port?: number; sslmode?: SslMode };
  /** The credentials must not leave the Secret's namespace (a config-declared server). */
  confidential: boolean;
}

export interface AdminSecret {
  connection: AdminConnection;
  /** The password being applied by a reset, if one was cut short. */
  pending?: string;
  ownerUids: string[];
}

export type AdminSecretRead = { ok: true; secret: AdminSecret } | { ok: false; missing: boolean; message: string };

/** Reads and checks the admin Secret. A read error is thrown (never taken for "missing"). */
export async function readAdminSecret(kube: KubeClients, source: AdminSource): Promise<AdminSecretRead> {
  let secret: k8s.V1Secret;
  try {
    secret = await kube.core.readNamespacedSecret({ namespace: source.namespace, name: source.secretName });
  } catch (err) {
    if (isNotFound(err)) return { ok: false, missing: true, message: `admin Secret ${source.namespace}/${source.secretName} not found` };
    throw err;
  }
  const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  const parsed = parseAdminSecret(data, source);
  if ('problem' in parsed) return { ok: false, missing: false, message: `admin Secret ${source.namespace}/${source.secretName}: ${parsed.problem}` };
  const ownerUids = (secret.metadata?.ownerReferences ?? []).map((r) => r.uid);
  return { ok: true, secret: { connection: parsed.connection, pending: data[PENDING_KEY] || undefined, ownerUids } };
}

const HOST = /^[A-Za-z0-9.:_-]{1,253}$/;

type Parsed<T> = { value: T } | { problem: string };

function hostOf(data: Record<string, string>, fixed: AdminSource['fixed']): Parsed<string> {
  const host = fixed?.host ?? data[KEYS.host]?.trim();
  return host && HOST.test(host) ? { value: host } : { problem: `key ${KEYS.host} must hold a host name or IP address` };
}

function portOf(data: Record<string, string>, fixed: AdminSource['fixed']): Parsed<number> {
  const text = fixed?.port !== undefined ? String(fixed.port) : data[KEYS.port]?.trim() || '5432';
  const port = Number(text);
  return /^\d{1,5}$/.test(text) && port >= 1 && port <= 65535 ? { value: port } : { problem: `key ${KEYS.port} must be a TCP port, got "${text}"` };
}

function sslmodeOf(data: Record<string, string>, fixed: AdminSource['fixed']): Parsed<SslMode> {
  const mode = fixed?.sslmode ?? (data[KEYS.sslmode]?.trim() || 'verify-full');
  return (SSL_MODES as readonly string[]).includes(mode) ? { value: mode as SslMode } : { problem: `key ${KEYS.sslmode} must be one of ${SSL_MODES.join(', ')}, got "${mode}"` };
}

function caOf(data: Record<string, string>): Parsed<string | undefined> {
  const ca = data[KEYS.ca]?.trim() ? data[KEYS.ca] : undefined;
  return !ca || ca.includes('-----BEGIN CERTIFICATE-----') ? { value: ca } : { problem: `key ${KEYS.ca} must hold PEM certificates` };
}

/** The admin connection a Secret's keys describe (pure; every value checked, nothing trusted). */
export function parseAdminSecret(data: Record<string, string>, source: Pick<AdminSource, 'fixed' | 'confidential'>): { connection: AdminConnection } | { problem: string } {
  const host = hostOf(data, source.fixed);
  const port = portOf(data, source.fixed);
  const sslmode = sslmodeOf(data, source.fixed);
  const caCert = caOf(data);
  for (const part of [host, port, sslmode, caCert]) if ('problem' in part) return part;
  const user = data[KEYS.username];
  const password = data[KEYS.password];
  if (!user || !password) return { problem: `keys ${KEYS.username} and ${KEYS.password} are required` };
  return {
    connection: {
      host: (host as { value: string }).value,
      port: (port as { value: number }).value,
      user,
      password,
      database: data[KEYS.dbname]?.trim() || 'postgres',
      sslmode: (sslmode as { value: SslMode }).value,
      caCert: (caCert as { value: string | undefined }).value,
      confidential: source.confidential,
    },
  };
}
