import { escapeLiteral } from 'pg';
import { GROUP } from '../../api/constants.js';
import type { RestoreSource } from '../../api/types.js';
import type { AdminConnection } from '../types.js';
import { withAdminSession } from './admin-session.js';
import type { RestoreObservation } from './restore-job.js';

/**
 * The mark a finished restore leaves in the server it restored into (ADR 0020), so that a restore
 * never runs again over data in use — even when the server's `status.restoredFrom` and the
 * completed restore Job are both lost: the comment on the `postgres` database,
 * `hybridcloud.maibornwolff.de/restored-from {"server":…,"backup":…,"at":…}`. Data, not status:
 * it lives and dies with the data directory. A comment because only the database's owner or a
 * superuser can set one (a tenant cannot forge or remove it), it needs no object of its own, and
 * the `postgres` database is never in a backup (the mark does not travel into the next restore)
 * nor a tenant's (`postgres` is a reserved name, so no claim is ever written there).
 *
 * The restore script reads it first: the same source and backup → done, exit 0 without touching
 * anything; another → refused. It writes it last, after every database and the claims are done:
 * a restore interrupted before that starts over, as before.
 */
export const RESTORE_MARKER_PREFIX = `${GROUP}/restored-from `;

export interface RestoreMarker extends RestoreSource {
  /** When the restore finished (UTC, ISO 8601). */
  at: string;
}

const COMMENT_SQL = "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = 'postgres'";

/** The marker in a `postgres` database comment, or undefined when the comment is not one. */
export function parseRestoreMarker(comment: string | null | undefined): RestoreMarker | undefined {
  if (!comment?.startsWith(RESTORE_MARKER_PREFIX)) return undefined;
  try {
    const m = JSON.parse(comment.slice(RESTORE_MARKER_PREFIX.length)) as Partial<RestoreMarker>;
    if (typeof m.server !== 'string' || typeof m.backup !== 'string' || typeof m.at !== 'string') return undefined;
    return { server: m.server, backup: m.backup, at: m.at };
  } catch {
    return undefined;
  }
}

/** Reads the marker of the server `admin` reaches (read-only; the `postgres` database). */
export async function readRestoreMarker(admin: AdminConnection): Promise<RestoreMarker | undefined> {
  const rows = await withAdminSession({ ...admin, database: 'postgres' }, (c) => c.query<{ comment: string | null }>(COMMENT_SQL));
  return parseRestoreMarker(rows.rows[0]?.comment);
}

/**
 * A restore still to be started (no restore Job), checked against the server's marker first: the
 * status and the Job may both have been lost after the restore finished. The same restore found
 * done → `done`, with its time from the marker; another one → `failed` (never run over that data);
 * none, or not readable → still to start. `admin` is given once the server is ready.
 */
export async function checkedAgainstMarker(restore: RestoreObservation, source: RestoreSource | undefined, admin: (() => AdminConnection | Promise<AdminConnection>) | undefined): Promise<RestoreObservation> {
  if (restore.phase !== 'start' || !source || !admin) return restore;
  let marker: RestoreMarker | undefined;
  try {
    marker = await readRestoreMarker(await admin());
  } catch {
    // Not readable now (e.g. the admin login not in place yet): the restore Job reads the marker
    // itself before it touches anything, so starting it is safe.
    return restore;
  }
  if (!marker) return restore;
  if (marker.server === source.server && marker.backup === source.backup) return { phase: 'done', restoredFrom: marker };
  return {
    phase: 'failed',
    message: `this server holds data restored from backup ${marker.backup} of server ${marker.server} (at ${marker.at}): backup ${source.backup} of server ${source.server} is not restored over it`,
  };
}

const PREFIX_SQL = escapeLiteral(RESTORE_MARKER_PREFIX);
const BODY_SQL = `substr(comment, ${RESTORE_MARKER_PREFIX.length + 1})`;
/** psql input (variables `server`, `backup` interpolated by psql): `none`, `same <json>` or `other <json>`. */
const CHECK_SQL = `SELECT CASE WHEN comment IS NULL OR left(comment, ${RESTORE_MARKER_PREFIX.length}) <> ${PREFIX_SQL} THEN 'none '
  WHEN ${BODY_SQL}::json->>'server' = :'server' AND ${BODY_SQL}::json->>'backup' = :'backup' THEN 'same ' || ${BODY_SQL}
  ELSE 'other ' || ${BODY_SQL} END FROM (${COMMENT_SQL}) AS m;`;
const MARK_SQL = `SELECT format('COMMENT ON DATABASE postgres IS %L', ${PREFIX_SQL} || json_build_object('server', :'server'::text, 'backup', :'backup'::text, 'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text) \\gexec`;

/** psql with the restore's source and backup as variables, reading SQL from a here-document. */
const PSQL = 'psql -X -At -v ON_ERROR_STOP=1 -v server="$RESTORE_SOURCE" -v backup="$BACKUP_NAME"';

/** The restore script's first step (POSIX sh): stop here when this restore is done, refuse when another one is. */
export function restoreGuardScript(): string {
  return `marker="$(${PSQL} <<'SQL'
${CHECK_SQL}
SQL
)"
case "$marker" in
  same\\ *) echo "backup $BACKUP_NAME of server $RESTORE_SOURCE was restored into this server already (\${marker#same }): nothing to do"; exit 0 ;;
  other\\ *) echo "this server holds data restored from another backup (\${marker#other }): backup $BACKUP_NAME of server $RESTORE_SOURCE is not restored over it" >&2; exit 1 ;;
esac
`;
}

/** The restore script's last step: the marker. */
export function restoreMarkScript(): string {
  return `${PSQL} -q <<'SQL'
${MARK_SQL}
SQL
`;
}
