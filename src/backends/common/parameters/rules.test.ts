import { describe, expect, it } from '@jest/globals';
import { DEFAULT_DENIED_PARAMETERS } from '../../../config/sections/server-parameters.js';
import { isDenied, parameterProblems } from './rules.js';

const fields = (p: Record<string, string | number>) => parameterProblems(p, DEFAULT_DENIED_PARAMETERS).map((x) => `${x.field}: ${x.message.split(' ')[0]}`);

describe('server parameter rules', () => {
  it('accepts ordinary settings with units, lists and time zones', () => {
    expect(fields({ work_mem: '8MB', max_connections: 200, timezone: 'Europe/Berlin', log_line_prefix: '%m [%p] %q%u@%d ', search_path: '$user, public', 'auto_explain.log_min_duration': '5s' })).toEqual([]);
  });

  it('refuses what runs commands, loads code or is the operator\'s, by name and by prefix', () => {
    for (const name of ['archive_command', 'archive_library', 'restore_command', 'shared_preload_libraries', 'session_preload_libraries', 'ssl_cert_file', 'ssl', 'listen_addresses', 'port', 'hba_file', 'config_file', 'data_directory', 'log_directory']) {
      expect(isDenied(name, DEFAULT_DENIED_PARAMETERS)).toBe(true);
    }
    expect(fields({ archive_command: 'cp %p /tmp' })).toEqual(['spec.serverParameters.archive_command: may']);
    expect(isDenied('work_mem', DEFAULT_DENIED_PARAMETERS)).toBe(false);
    expect(isDenied('work_mem', ['work_*'])).toBe(true);
  });

  it('refuses names that are no setting and values outside the grammar', () => {
    expect(fields({ 'Work-Mem': '1' })).toEqual(['spec.serverParameters.Work-Mem: not']);
    for (const value of ["8MB'; DROP", 'a\nb', 'a\\b', '1 # comment', '"quoted"']) {
      expect(fields({ work_mem: value })).toEqual(['spec.serverParameters.work_mem: value']);
    }
  });
});
