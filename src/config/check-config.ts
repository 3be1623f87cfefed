import { stringify } from 'yaml';
import { backendSection, backendsInUse } from './backend-section.js';
import { ConfigError } from './errors.js';
import { configFilePath, loadConfig, type Env } from './load.js';
import { redactConfig, sensitivePaths } from './redact.js';
import { schema } from './schema.js';
import type { OperatorConfig } from './types.js';

export interface CheckConfigOptions {
  file?: string;
  env?: Env;
  /** Where the report goes (process.stdout in the CLI). */
  out: { write(text: string): unknown };
}

/** Each backend in use as it reads its section: after fallback to backends.azure / backends.aws and defaults. */
function resolvedSections(config: OperatorConfig): Record<string, unknown> {
  return Object.fromEntries(backendsInUse(config).map((name) => [name, backendSection<unknown>(config, name)]));
}

/**
 * `check-config`: prints the effective configuration (file + env overrides + defaults, secrets
 * redacted) followed by the sections of the backends in use as they will read them, and returns 0;
 * or prints every problem and returns 1.
 */
export function checkConfig(options: CheckConfigOptions): number {
  let config: OperatorConfig;
  try {
    config = loadConfig(options);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    options.out.write(`${e.message}\n`);
    return 1;
  }
  const sensitive = sensitivePaths(schema);
  const resolved = redactConfig({ backends: resolvedSections(config) }, sensitive).backends;
  options.out.write(
    `# Effective configuration: ${configFilePath(options)} + HYBRIDCLOUD_ overrides + defaults\n` +
      stringify(redactConfig(config, sensitive), { version: '1.1' }) +
      '---\n# The backends in use, as they read their sections (after backends.azure / backends.aws fallback and defaults)\n' +
      stringify(resolved, { version: '1.1' }),
  );
  return 0;
}
