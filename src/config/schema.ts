import type { Fragment, OptionEntry } from './fragment.js';
import { listOptions } from './fragment.js';
import { aws, awsaurora, awsrds } from './sections/aws.js';
import { azure, azureLegacyShapes, azurepostgres, azurepostgresflexible } from './sections/azure.js';
import { common } from './sections/common.js';
import { external } from './sections/external.js';
import { helmbitnami } from './sections/helmbitnami.js';
import { helmyugabyte } from './sections/helmyugabyte.js';
import { statefulset } from './sections/statefulset.js';
import { tables } from './sections/tables.js';
import { tls } from './sections/tls.js';
import { serverParameters } from './sections/server-parameters.js';

/** The backend sections; each is one fragment from `sections/`. */
export const backendSections: Record<string, Fragment> = {
  azure,
  azurepostgres,
  azurepostgresflexible,
  aws,
  awsrds,
  awsaurora,
  helmbitnami,
  helmyugabyte,
  statefulset,
  external,
};

/** The whole operator config schema (convict shape): the single source of truth for every option. */
export const schema: Fragment = { ...common, ...tables, tls, server_parameters: serverParameters, backends: backendSections };

/** Concrete section → virtual section whose values it falls back to, key by key. */
export const VIRTUAL_SECTIONS: Readonly<Record<string, string>> = {
  azurepostgres: 'azure',
  azurepostgresflexible: 'azure',
  awsrds: 'aws',
  awsaurora: 'aws',
};

/**
 * Single options that fall back to another concrete section before the virtual one: section →
 * option → the section read first when the option is unset here. The Python operator built the
 * one RDS client of both AWS backends with `backends.awsrds.region`, then `backends.aws.region`
 * (hybridcloud/util/aws.py), so an existing config may name the Aurora region only under awsrds.
 */
export const OPTION_FALLBACKS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  awsaurora: { region: 'awsrds' },
};

/** Rewrites older value shapes the Python operator accepted into the schema's shape, by path. */
export const legacyShapes: Readonly<Record<string, (value: unknown) => unknown>> = { ...azureLegacyShapes };

export const ENV_PREFIX = 'HYBRIDCLOUD_';

/** `backends.azure.subscription_id` → `HYBRIDCLOUD_BACKENDS_AZURE_SUBSCRIPTION_ID`. */
export function envName(path: string): string {
  return ENV_PREFIX + path.split('.').join('_').toUpperCase();
}

/**
 * Env variable name → option, built from the schema's known paths. Segments contain underscores
 * themselves (`allowed_backends`), so splitting a name on `_` could not find the path; this table can.
 */
export function envTable(fragment: Fragment): Map<string, OptionEntry> {
  const table = new Map<string, OptionEntry>();
  for (const entry of listOptions(fragment)) {
    const name = envName(entry.path);
    const clash = table.get(name);
    if (clash) throw new Error(`config options ${clash.path} and ${entry.path} share the env name ${name}`);
    table.set(name, entry);
  }
  return table;
}
