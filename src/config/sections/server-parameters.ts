import { TEXT_LIST } from '../common-formats.js';
import type { Fragment } from '../fragment.js';

/**
 * Parameters a tenant may never set through `spec.serverParameters` on the in-cluster backends:
 * those that run commands or load code as the server's OS user, move its files or sockets, or
 * are the operator's own (TLS, pg_hba). A trailing `*` matches a prefix.
 */
export const DEFAULT_DENIED_PARAMETERS: readonly string[] = [
  'archive_*', 'restore_command', 'recovery_*', 'primary_*', 'promote_trigger_file',
  'shared_preload_libraries', 'local_preload_libraries', 'session_preload_libraries', 'dynamic_library_path', 'jit_provider',
  'ssl*', 'listen_addresses', 'port', 'unix_socket_*', 'data_directory', 'hba_file', 'ident_file', 'config_file', 'external_pid_file',
  'log_directory', 'log_filename', 'log_file_mode', 'krb_server_keyfile', 'event_source', 'data_sync_retry', 'allow_system_table_mods',
  'ignore_*', 'zero_damaged_pages', 'wal_level', 'max_wal_senders', 'cluster_name', 'password_encryption',
];

/** `server_parameters`: rules for `spec.serverParameters` of in-cluster servers (statefulset, helmbitnami). */
export const serverParameters = {
  denied: {
    doc: 'Parameters spec.serverParameters may not set on in-cluster servers (a trailing * matches a prefix): by default those that run commands or load code, move files or sockets, or that the operator manages (ssl*, pg_hba). Names PostgreSQL does not know (pg_settings) are refused too.',
    format: TEXT_LIST,
    default: [...DEFAULT_DENIED_PARAMETERS],
  },
} satisfies Fragment;

export interface ServerParameterSettings {
  denied: string[];
}
