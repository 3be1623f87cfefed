// Jest loads its global teardown as CommonJS without the ESM name mapping, so this import has no
// `.js` ending; that is also why this file is left out of `tsc` (tsconfig.json "exclude").
import { stopAllPostgres } from './postgres-server';

/** Kills any throwaway PostgreSQL a crashed suite left behind (found by their postmaster.pid). */
export default async function globalTeardown(): Promise<void> {
  await stopAllPostgres();
}
