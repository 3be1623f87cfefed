/**
 * Server parameters of an in-cluster server through SQL: `ALTER SYSTEM` (postgresql.auto.conf,
 * values as quoted literals), `pg_reload_conf()` for the reloadable ones, and pg_settings to know
 * which names exist and which values wait for a restart (context `postmaster`). The operator owns
 * postgresql.auto.conf for every parameter not on the deny-list: one set by hand is reset.
 */
import type pg from 'pg';
import { isDenied, type ServerParameters } from './rules.js';

export interface ParameterReading {
  /** Desired names PostgreSQL does not know, each with a few it does know that look alike. */
  unknown: Array<{ name: string; similar: string[] }>;
  /** Names whose value in postgresql.auto.conf differs from the desired one. */
  toSet: string[];
  /** Names in postgresql.auto.conf the spec no longer has. */
  toReset: string[];
  /** Settings changed in the files that take effect only at the next restart. */
  pendingRestart: string[];
}

export async function readParameters(client: pg.Client, desired: ServerParameters, denied: readonly string[]): Promise<ParameterReading> {
  const names = Object.keys(desired);
  const known = await client.query<{ name: string }>('SELECT name FROM pg_settings WHERE name = ANY($1::text[])', [names]);
  const knownNames = new Set(known.rows.map((r) => r.name));
  const unknown = [];
  for (const name of names.filter((n) => !knownNames.has(n))) unknown.push({ name, similar: await similarNames(client, name) });
  const file = await client.query<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_file_settings WHERE sourcefile LIKE '%/postgresql.auto.conf'",
  );
  const inFile = new Map(file.rows.map((r) => [r.name, r.setting]));
  const toSet = names.filter((n) => knownNames.has(n) && inFile.get(n) !== desired[n]);
  const toReset = [...inFile.keys()].filter((n) => !(n in desired) && !isDenied(n, denied));
  const pending = await client.query<{ name: string }>('SELECT name FROM pg_settings WHERE pending_restart ORDER BY name');
  return { unknown, toSet, toReset, pendingRestart: pending.rows.map((r) => r.name) };
}

/** Writes the differences with ALTER SYSTEM and reloads; returns what now waits for a restart. */
export async function applyParameters(client: pg.Client, desired: ServerParameters, reading: ParameterReading): Promise<string[]> {
  for (const name of reading.toSet) {
    // The name is checked against pg_settings and the grammar; the value is a quoted literal.
    await client.query(`ALTER SYSTEM SET ${quotedName(client, name)} = ${client.escapeLiteral(desired[name] as string)}`);
  }
  for (const name of reading.toReset) await client.query(`ALTER SYSTEM RESET ${quotedName(client, name)}`);
  await client.query('SELECT pg_reload_conf()');
  // The postmaster re-reads the files asynchronously after the signal: wait for it to show.
  const changed = [...reading.toSet, ...reading.toReset];
  for (let i = 0; i < 20; i++) {
    const pending = await client.query<{ name: string; context: string; pending_restart: boolean }>(
      'SELECT name, context, pending_restart FROM pg_settings WHERE name = ANY($1::text[]) OR pending_restart ORDER BY name',
      [changed],
    );
    const waiting = pending.rows.filter((r) => r.context === 'postmaster' && changed.includes(r.name) && !r.pending_restart);
    if (waiting.length === 0 || i === 19) return pending.rows.filter((r) => r.pending_restart).map((r) => r.name);
    await new Promise((r) => setTimeout(r, 50));
  }
  return [];
}

async function similarNames(client: pg.Client, name: string): Promise<string[]> {
  const stem = name.split(/[._]/)[0] ?? name;
  const rows = await client.query<{ name: string }>("SELECT name FROM pg_settings WHERE name LIKE $1 || '%' ORDER BY name LIMIT 5", [stem]);
  return rows.rows.map((r) => r.name);
}

/** `auto_explain.log_min_duration` → `"auto_explain"."log_min_duration"`, as the grammar takes a dotted name. */
function quotedName(client: pg.Client, name: string): string {
  return name.split('.').map((part) => client.escapeIdentifier(part)).join('.');
}
