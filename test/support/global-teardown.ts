import { stopAllPostgres } from './postgres-server.js';

/** Kills any throwaway PostgreSQL a crashed suite left behind (found by their postmaster.pid). */
export default async function globalTeardown(): Promise<void> {
  await stopAllPostgres();
}
