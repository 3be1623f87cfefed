import { Reason } from '../api/conditions.js';
import type { PostgreSQLDatabase } from '../api/types.js';
import { findDatabaseOwner, tryLogin } from '../postgres/index.js';
import type { HandlerDeps } from './deps.js';
import type { PasswordScope, StoredPassword } from './password-store.js';
import { failWith } from './reporting.js';
import type { UnownedSecret } from './secret-store.js';
import type { ServerAccess } from './server-access.js';
import { adoptUnownedSecret } from './takeover-steps.js';

/** The takeover of a database the Python operator created: its Secret's proof and its owner. */

interface Candidate {
  access: ServerAccess;
  pgName: string;
  scope: PasswordScope;
  unowned: UnownedSecret;
}

/** The Python operator's Secret proves itself by logging in as the role it names, into its database. */
export async function adoptDatabaseSecret(deps: HandlerDeps, db: PostgreSQLDatabase, { access, pgName, scope, unowned }: Candidate): Promise<StoredPassword> {
  const named = unowned.data.username;
  if (named && named !== pgName) {
    return failWith(deps, db, Reason.SecretConflict, `Secret ${db.spec.credentialsSecret} names user ${named}, not the role ${pgName} of this PostgreSQLDatabase; it is not taken over; choose another spec.credentialsSecret`);
  }
  const proof = await tryLogin({ ...access.admin, user: pgName, password: unowned.data.password ?? '', database: pgName });
  return adoptUnownedSecret(deps, db, { scope, secretName: db.spec.credentialsSecret, unowned, proof, whom: `role ${pgName}` });
}

/** Who owned the database before the first reconcile after the takeover (the Python operator left them to the admin). */
export async function ownerBeforeTakeover(deps: HandlerDeps, db: PostgreSQLDatabase, access: ServerAccess, pgName: string): Promise<string | undefined> {
  if (!db.status?.adoption || db.status.database) return undefined;
  return findDatabaseOwner(deps.pools.forServer(access.admin).admin, pgName);
}

/** Handing the database to its role is the one change a takeover makes: said with an event. */
export async function announceOwnerChange(deps: HandlerDeps, db: PostgreSQLDatabase, pgName: string, before: string | undefined): Promise<void> {
  if (!before || before === pgName) return;
  await deps.events.record(db, 'Normal', 'OwnerChanged', `database ${pgName} was owned by ${before}, as the Python operator left it; now owned by role ${pgName} so that it can create tables in schema public (PostgreSQL 15+)`);
}
