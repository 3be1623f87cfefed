import { isSupportedBackend } from './backend-names.js';
import { isPlainObject } from './checks.js';
import { defaultsOf, isOption, type Fragment } from './fragment.js';
import { backendSections, OPTION_FALLBACKS, VIRTUAL_SECTIONS } from './schema.js';
import type { OperatorConfig } from './types.js';

type Layer = Record<string, unknown> | undefined;

const layer = (value: unknown): Layer => (isPlainObject(value) ? value : undefined);

/** Per option of the fragment: the first layer that has a value (not null/undefined); groups merge key by key. */
function resolve(fragment: Fragment, layers: Layer[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(fragment)) {
    if (isOption(node)) {
      const found = layers.map((l) => l?.[key]).find((v) => v !== null && v !== undefined);
      out[key] = found === undefined ? null : structuredClone(found);
    } else {
      out[key] = resolve(node, layers.map((l) => layer(l?.[key])));
    }
  }
  return out;
}

/**
 * A backend's section as the backend should read it: its own values, then (for azurepostgres,
 * azurepostgresflexible, awsrds, awsaurora) the virtual `azure` / `aws` section's values key by key
 * (nested groups like `network` too; null means "not set here"), then the schema's defaults.
 * Map-valued options (`tags`, `classes`) are taken whole from the first layer that sets them.
 * A few options read another concrete section between the two (`OPTION_FALLBACKS`).
 * Returns a copy: callers may not change the config through it.
 */
export function backendSection<T>(config: OperatorConfig, name: string): T {
  const fragment = backendSections[name];
  if (!fragment) throw new Error(`no config section backends.${name}; known: ${Object.keys(backendSections).join(', ')}`);
  const virtual = VIRTUAL_SECTIONS[name];
  const virtualFragment = virtual ? backendSections[virtual] : undefined;
  const layers: Layer[] = [
    layer(config.backends?.[name]),
    virtual ? layer(config.backends?.[virtual]) : undefined,
    virtualFragment ? defaultsOf(virtualFragment) : undefined,
    defaultsOf(fragment),
  ];
  return withOptionFallbacks(config, name, resolve(fragment, layers)) as T;
}

/** Options unset in the section itself take the value of `OPTION_FALLBACKS`' section, when it sets one. */
function withOptionFallbacks(config: OperatorConfig, name: string, out: Record<string, unknown>): Record<string, unknown> {
  const isSet = (v: unknown) => v !== null && v !== undefined;
  for (const [key, other] of Object.entries(OPTION_FALLBACKS[name] ?? {})) {
    const theirs = config.backends?.[other]?.[key];
    if (!isSet(config.backends?.[name]?.[key]) && isSet(theirs)) out[key] = structuredClone(theirs);
  }
  return out;
}

/** Backends that may serve servers: the default and every allowed one (known names only). */
export function backendsInUse(config: OperatorConfig): string[] {
  const names = [config.backend, ...(Array.isArray(config.allowed_backends) ? config.allowed_backends : [])];
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && isSupportedBackend(n)))];
}
