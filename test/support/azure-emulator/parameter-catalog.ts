/**
 * A small catalog of Flexible Server parameters ("configurations") with Azure's behaviour that
 * matters to the operator: static parameters wait for a restart (`isConfigPendingRestart`), some
 * are read-only, memory values given with a unit are stored in the parameter's unit (kB or 8 kB).
 */
export interface ParameterSpec {
  defaultValue: string;
  dataType: 'Integer' | 'Boolean' | 'String' | 'Enumeration' | 'Set';
  isDynamicConfig: boolean;
  isReadOnly?: boolean;
  /** For memory parameters: bytes per stored unit (1024 for kB, 8192 for 8 kB pages). */
  unitBytes?: number;
  allowedValues?: string;
}

const EXTENSIONS = 'age,btree_gin,btree_gist,citext,cube,fuzzystrmatch,hstore,intarray,isn,lo,ltree,pg_buffercache,pg_cron,pg_partman,pg_prewarm,pg_stat_statements,pg_trgm,pgaudit,pgcrypto,postgis,tablefunc,timescaledb,unaccent,uuid-ossp,vector';
const PRELOAD = 'age,auto_explain,pg_cron,pg_failover_slots,pg_hint_plan,pg_partman_bgw,pg_prewarm,pg_squeeze,pg_stat_statements,pgaudit,pglogical,timescaledb,wal2json';

export const PARAMETER_CATALOG: Record<string, ParameterSpec> = {
  'azure.extensions': { defaultValue: '', dataType: 'Set', isDynamicConfig: true, allowedValues: EXTENSIONS },
  shared_preload_libraries: { defaultValue: 'pg_cron,pg_stat_statements', dataType: 'Set', isDynamicConfig: false, allowedValues: PRELOAD },
  work_mem: { defaultValue: '4096', dataType: 'Integer', isDynamicConfig: true, unitBytes: 1024 },
  maintenance_work_mem: { defaultValue: '65536', dataType: 'Integer', isDynamicConfig: true, unitBytes: 1024 },
  shared_buffers: { defaultValue: '32768', dataType: 'Integer', isDynamicConfig: false, unitBytes: 8192 },
  max_connections: { defaultValue: '50', dataType: 'Integer', isDynamicConfig: false },
  log_min_duration_statement: { defaultValue: '-1', dataType: 'Integer', isDynamicConfig: true },
  statement_timeout: { defaultValue: '0', dataType: 'Integer', isDynamicConfig: true },
  log_connections: { defaultValue: 'on', dataType: 'Boolean', isDynamicConfig: true },
  track_io_timing: { defaultValue: 'off', dataType: 'Boolean', isDynamicConfig: true },
  timezone: { defaultValue: 'UTC', dataType: 'String', isDynamicConfig: true },
  server_version: { defaultValue: '16.4', dataType: 'String', isDynamicConfig: false, isReadOnly: true },
};

const UNITS: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Azure's stored form of a value, or an error message when Azure would refuse it. */
export function normaliseValue(name: string, spec: ParameterSpec, value: string): { value: string } | { error: string } {
  const v = value.trim();
  switch (spec.dataType) {
    case 'Boolean': {
      const lower = v.toLowerCase();
      if (['on', 'true', '1'].includes(lower)) return { value: 'on' };
      if (['off', 'false', '0'].includes(lower)) return { value: 'off' };
      return { error: `value "${value}" is not valid for boolean parameter ${name}` };
    }
    case 'Integer': {
      const m = /^(-?\d+)\s*(kB|MB|GB)?$/i.exec(v);
      if (!m) return { error: `value "${value}" is not an integer for parameter ${name}` };
      if (!m[2]) return { value: String(Number(m[1])) };
      if (!spec.unitBytes) return { error: `parameter ${name} takes no unit` };
      return { value: String(Math.round((Number(m[1]) * UNITS[m[2].toLowerCase()]!) / spec.unitBytes)) };
    }
    case 'Set': {
      const allowed = new Set((spec.allowedValues ?? '').split(','));
      const items = v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
      const bad = items.filter((i) => !allowed.has(i));
      if (bad.length) return { error: `value(s) ${bad.join(', ')} not allowed for parameter ${name}` };
      return { value: items.join(',') };
    }
    default:
      return { value: v };
  }
}
