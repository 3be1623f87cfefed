import { CLAIM_PREFIX } from '../../postgres/claims.js';
import { restoreGuardScript, restoreMarkScript } from './restore-marker.js';

/**
 * The shell scripts of the in-cluster backups (ADR 0020), shared by the statefulset backend's own
 * CronJob and the Bitnami chart's `backup.cronjob.command`, so both write the same layout and the
 * same restore reads it. POSIX sh and the PostgreSQL client tools only: they run in the server's
 * own image (the official image and Bitnami's both have them).
 *
 * Layout under the backup directory: one directory per backup, named by its UTC start time
 * (`20261206T020000Z`), holding `globals.sql` (roles and tablespaces, without passwords) and one
 * `<oid>.dump` per database (`pg_dump --format=custom`). A backup is written under
 * `.partial-<name>` and renamed when complete, so a directory with a backup's name is whole.
 *
 * Connection: the libpq variables `PGHOST`, `PGPORT`, `PGUSER` and `PGPASSWORD` (or
 * `PGPASSWORD_FILE`, as the Bitnami chart sets it); the directory is `BACKUP_DIR` (or the chart's
 * `PGDUMP_DIR`). Given a CA file (`PGSSLROOTCERT`; the jobs set it with `PGSSLMODE=verify-full`,
 * the helm backend in the command, as the chart's own value names a directory), the
 * server is verified (`verify-full`): the password never goes to an unverified peer. On success the backup job writes one line of JSON (`BackupReport`) to the
 * container's termination message, where the operator reads it from the pod's status.
 */

/** A backup's name: its UTC start time. Also what `spec.restoreFrom.backup` must look like. */
export const BACKUP_NAME = /^\d{8}T\d{6}Z$/;

/** How many backup names the termination message lists (it is capped at 4096 bytes; 40 × 18 fits). */
export const LISTED_BACKUPS = 40;

/** What a successful backup job reports (its container's termination message). */
export interface BackupReport {
  backup: string;
  sizeBytes: number;
  /** The backups kept after pruning, newest first (at most LISTED_BACKUPS). */
  backups: string[];
}

const PREAMBLE = String.raw`set -eu
root="${'$'}{BACKUP_DIR:-${'$'}{PGDUMP_DIR:?no backup directory (BACKUP_DIR) set}}"
if [ -z "${'$'}{PGPASSWORD:-}" ] && [ -n "${'$'}{PGPASSWORD_FILE:-}" ]; then PGPASSWORD="$(cat "$PGPASSWORD_FILE")"; export PGPASSWORD; fi
export PGDATABASE=postgres
if [ -n "${'$'}{PGSSLROOTCERT:-}" ] && [ -f "$PGSSLROOTCERT" ]; then export PGSSLMODE=verify-full; fi
`;

/**
 * Dumps every database that accepts connections (the `postgres` maintenance database and the
 * templates excepted) and the globals, then deletes backups older than `retentionDays` days (never
 * the one just made, so a server whose backups stopped for a while keeps its newest).
 */
export function backupScript(retentionDays: number): string {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error(`retention must be a whole number of days ≥ 1, got ${retentionDays}`);
  return `${PREAMBLE}name="$(date -u +%Y%m%dT%H%M%SZ)"
work="$root/.partial-$name"
rm -rf "$work"
mkdir -p "$work"
pg_dumpall --globals-only --no-role-passwords --file="$work/globals.sql"
psql -X -At -v ON_ERROR_STOP=1 -c "SELECT oid FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres' ORDER BY oid" > "$work/databases"
while read -r oid; do
  db="$(psql -X -At -v ON_ERROR_STOP=1 -c "SELECT datname FROM pg_database WHERE oid = $oid")"
  PGDATABASE="$db" pg_dump --format=custom --file="$work/$oid.dump"
done < "$work/databases"
rm "$work/databases"
mv "$work" "$root/$name"
find "$root" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*T[0-9]*Z' ! -name "$name" -mmin +${retentionDays * 24 * 60} -exec rm -rf {} +
find "$root" -mindepth 1 -maxdepth 1 -type d -name '.partial-*' ! -name ".partial-$name" -exec rm -rf {} +
size=$(( $(du -sk "$root/$name" | cut -f1) * 1024 ))
kept="$(ls -1 "$root" | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort -r | head -n ${LISTED_BACKUPS} | sed 's/.*/"&"/' | paste -sd, -)"
report="{\\"backup\\":\\"$name\\",\\"sizeBytes\\":$size,\\"backups\\":[$kept]}"
echo "$report"
echo "$report" > "${'$'}{TERMINATION_LOG:-/dev/termination-log}" || true
`;
}

/**
 * Restores the backup `BACKUP_NAME` of the server `RESTORE_SOURCE` into the server the PG*
 * variables name: the globals first (roles that exist already, such as the admin, only report it),
 * then each database with `pg_restore --create --clean --if-exists`, so a restore interrupted and
 * run again starts that database over. The operator's claims (database comments naming a
 * PostgreSQLDatabase of the source) are removed: a PostgreSQLDatabase of the new server takes each
 * database over. A finished restore leaves its marker (restore-marker.ts), and a restore that finds
 * one never runs over the data: the same restore exits at once, done; another is refused.
 */
export function restoreScript(): string {
  return `${PREAMBLE}dir="$root/${'$'}{BACKUP_NAME:?BACKUP_NAME not set}"
: "${'$'}{RESTORE_SOURCE:?RESTORE_SOURCE not set}"
${restoreGuardScript()}if [ ! -f "$dir/globals.sql" ]; then echo "backup $BACKUP_NAME is not in the backup volume" >&2; exit 1; fi
psql -X -q -f "$dir/globals.sql"
for dump in "$dir"/*.dump; do
  [ -e "$dump" ] || continue
  pg_restore --dbname=postgres --create --clean --if-exists --exit-on-error "$dump"
done
psql -X -q -v ON_ERROR_STOP=1 -c "${clearClaims()}"
${restoreMarkScript()}echo "restored backup $BACKUP_NAME"
`;
}

function clearClaims(): string {
  const like = `${CLAIM_PREFIX.replaceAll("'", "''")}%`;
  return `DO \\$\\$DECLARE d text; BEGIN FOR d IN SELECT datname FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE '${like}' LOOP EXECUTE format('COMMENT ON DATABASE %I IS NULL', d); END LOOP; END \\$\\$`;
}

/** The report of a successful backup job, or undefined when the message is not one. */
export function parseBackupReport(message: string | undefined): BackupReport | undefined {
  if (!message) return undefined;
  try {
    const value = JSON.parse(message.trim()) as Partial<BackupReport>;
    if (typeof value.backup !== 'string' || !BACKUP_NAME.test(value.backup) || typeof value.sizeBytes !== 'number') return undefined;
    const backups = Array.isArray(value.backups) ? value.backups.filter((b): b is string => typeof b === 'string' && BACKUP_NAME.test(b)) : [value.backup];
    return { backup: value.backup, sizeBytes: value.sizeBytes, backups };
  } catch {
    return undefined;
  }
}
