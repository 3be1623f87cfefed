import { readFileSync } from 'node:fs';
import convict from 'convict';
import { parseDocument } from 'yaml';
import { readFileValues } from './apply-file.js';
import { checkOptions } from './check-options.js';
import { readEnvOverrides } from './env-overrides.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { listOptions } from './fragment.js';
import { redactProblems, sensitivePaths } from './redact.js';
import { envTable, legacyShapes, schema } from './schema.js';
import { semanticProblems } from './semantic-checks.js';
import type { OperatorConfig } from './types.js';

// The CLI imports ConfigError from here too.
export { ConfigError, type ConfigProblem } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadOptions {
  /** From the `--config` argument (parsed by the caller). */
  file?: string;
  /** Defaults to `process.env`; tests pass their own. */
  env?: Env;
}

/** `--config` ▸ `OPERATOR_CONFIG` ▸ `config.yaml` in the working directory. */
export function configFilePath(options: LoadOptions = {}): string {
  const env = options.env ?? process.env;
  return options.file || env.OPERATOR_CONFIG || 'config.yaml';
}

/**
 * Parses the config file. YAML 1.1, as the Python operator's PyYAML did, so existing files mean
 * the same (`yes`/`no` are booleans, `<<` merge keys work).
 */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    const reason = missing ? 'config file not found (pass --config FILE or set OPERATOR_CONFIG)' : `cannot read the config file: ${(e as Error).message}`;
    throw new ConfigError([{ path: file, value: undefined, reason }], file);
  }
  const doc = parseDocument(text, { version: '1.1', prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ path: file, value: undefined, reason: `YAML: ${e.message}` })), file);
  }
  return doc.toJS() as unknown;
}

/** Convict's own strict validation, as a last guard: it should never find what the walk above missed. */
function convictProblems(config: convict.Config<Record<string, unknown>>): ConfigProblem[] {
  try {
    config.validate({ allowed: 'strict' });
    return [];
  } catch (e) {
    return [{ path: '(schema)', value: undefined, reason: (e as Error).message }];
  }
}

/**
 * Builds the config from parsed YAML (`raw`) and `HYBRIDCLOUD_` env overrides on top of the
 * schema's defaults, then validates it. Throws a ConfigError listing every problem.
 */
export function resolveConfig(raw: unknown, env: Env, source?: string): OperatorConfig {
  const config = convict(schema as unknown as convict.Schema<Record<string, unknown>>, { env: {}, args: [] });
  const fromFile = readFileValues(raw, schema, legacyShapes);
  const fromEnv = readEnvOverrides(env, envTable(schema));
  for (const { path, value } of [...fromFile.assignments, ...fromEnv.assignments]) config.set(path, value);
  const checked = checkOptions(config.getProperties(), listOptions(schema), fromEnv.sources);
  for (const { path, value } of checked.normalized) config.set(path, value);
  const result = config.getProperties() as unknown as OperatorConfig;
  const problems = [...fromFile.problems, ...fromEnv.problems, ...checked.problems, ...semanticProblems(result)];
  if (problems.length === 0) problems.push(...convictProblems(config));
  if (problems.length > 0) throw new ConfigError(redactProblems(problems, sensitivePaths(schema)), source);
  return result;
}

/** Loads the operator config: file, then env overrides, then validation (throws ConfigError). */
export function loadConfig(options: LoadOptions = {}): OperatorConfig {
  const env = options.env ?? process.env;
  const file = configFilePath(options);
  return resolveConfig(readConfigFile(file), env, file);
}
