import type { DatabaseSpec as CrDatabaseSpec } from '../api/types.js';
import { assertClaimable, checkDatabaseRequirements, databaseExists, databaseInPlace, enableLogin, ensureDatabase, ensureExtensions, ensureRole, revokeLogin, secondLogin, tryLogin, type Queryable } from '../postgres/index.js';
import type { HandlerDeps } from './deps.js';
import type { ServerAccess } from './server-access.js';

export interface DatabasePlan {
  name: string;
  role: string;
  /** The login in use: the role itself, or its second login after a rotation (ADR 0016). */
  login: string;
  password: string;
  /** The role may not have this password yet: set it even if the role exists. */
  passwordIsNew: boolean;
  spec: CrDatabaseSpec;
  /** Set up completely for the current generation before (a resync): check, don't redo. */
  settled: boolean;
  /** `namespace/name` of the PostgreSQLDatabase, recorded in the server as its claim. */
  claimant: string;
  /** Only what carries the claim may be taken over (a server that existed before the operator). */
  strict: boolean;
}

export interface AppliedDatabase {
  /** The database had to be created (again, when the status says it existed: dropped by hand). */
  created: boolean;
  /** The role had to be created (again, when the status says it existed: dropped by hand). */
  roleCreated: boolean;
  /**
   * An existing role (kept by an earlier object of this name, or made by hand) got this object's
   * password: it was taken over. Not when the role already had it (this object made it in an
   * earlier, failed attempt).
   */
  adopted: boolean;
}

/** For a database still to be made: what the server must offer, checked before anything is created. */
async function checkBeforeCreating(q: Queryable, plan: DatabasePlan, extensions: string[]): Promise<void> {
  if (await databaseExists(q, plan.name)) return;
  await checkDatabaseRequirements(q, { charset: plan.spec.database?.charset, collation: plan.spec.database?.collation, extensions });
}

/**
 * Role, database and extensions, each idempotent. Says what had to be created.
 *
 * Nothing is created before everything that can be checked is: the claim, and (for a database
 * still to be made) the encoding, collation and extensions the server offers. The role is claimed
 * for this PostgreSQLDatabase when it is made, so a failure after it still leaves nothing the
 * deletion cannot find and remove.
 */
export async function applyDatabase(deps: HandlerDeps, access: ServerAccess, plan: DatabasePlan): Promise<AppliedDatabase> {
  const pools = deps.pools.forServer(access.admin);
  if (plan.settled && !plan.passwordIsNew && (await databaseInPlace(pools.admin, plan.name, plan.role, plan.login))) return { created: false, roleCreated: false, adopted: false };
  await assertClaimable(pools.admin, plan.name, plan.claimant);
  const extensions = plan.spec.database?.extensions ?? [];
  await checkBeforeCreating(pools.admin, plan, extensions);
  const role = await ensureRole(pools.admin, plan.role, plan.password, { claimant: plan.claimant, strict: plan.strict });
  const adopted = await setLogin(pools.admin, access, plan, role.created);
  const db = await ensureDatabase(pools, {
    name: plan.name,
    owner: plan.role,
    charset: plan.spec.database?.charset,
    collation: plan.spec.database?.collation,
    claimant: plan.claimant,
    strict: plan.strict,
  });
  if (extensions.length) await ensureExtensions(pools.forDatabase(plan.name), extensions);
  return { created: db.created, roleCreated: role.created, adopted };
}

/**
 * Makes the login in use work with the stored password. Says whether an existing role was taken
 * over: it did not accept the stored password before (an earlier object's, or made by hand), as
 * opposed to one this object made in an earlier, failed attempt.
 */
async function setLogin(admin: Queryable, access: ServerAccess, plan: DatabasePlan, roleCreated: boolean): Promise<boolean> {
  const resetting = !roleCreated && plan.passwordIsNew;
  const adopted = resetting && (await tryLogin({ ...access.admin, user: plan.role, password: plan.password, database: plan.name })).result === 'refused';
  // The second login is made again when missing (dropped by hand); a new password is set where a
  // kill may have come between storing it and setting it.
  if (plan.login !== plan.role || resetting) await enableLogin(admin, plan.role, plan.login, plan.password);
  // Taken over with a new password (a retained database): a second login left from its rotations
  // must not keep an old password that left with the old Secret.
  if (resetting && plan.login === plan.role) await revokeLogin(admin, plan.role, secondLogin(plan.role));
  return adopted;
}
