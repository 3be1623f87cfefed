import { describe, expect, it } from '@jest/globals';
import convict from 'convict';
import { BACKEND_NAMES } from '../backends/registry.js';
import { SUPPORTED_BACKENDS, UNSUPPORTED_BACKENDS } from './backend-names.js';
import { formatSpec } from './formats.js';
import { listOptions } from './fragment.js';
import { backendSections, schema, VIRTUAL_SECTIONS } from './schema.js';

const LIMIT_KEYS = ['cpu_limit', 'memory_limit_mb', 'storage_limit_gb', 'allowed_extensions', 'database_delete_fake'];

describe('the schema', () => {
  it.each(listOptions(schema).map((e) => [e.path, e.option] as const))('%s has a doc, a registered format and a valid default', (_path, option) => {
    expect(option.doc.trim().length).toBeGreaterThan(10);
    const spec = formatSpec(option.format);
    if (option.default === null) expect(option.nullable).toBe(true);
    else expect(spec.check(option.default)).toEqual([]);
  });

  it('is a schema convict accepts, and its defaults pass convict\'s strict validation', () => {
    const config = convict(schema as unknown as convict.Schema<Record<string, unknown>>, { env: {}, args: [] });
    expect(() => config.validate({ allowed: 'strict' })).not.toThrow();
  });

  it('has the size limits and database rules in every backend section', () => {
    // external servers exist already: nobody sizes them, so they have the database rules only.
    const sizeless = new Set(['external']);
    for (const [name, fragment] of Object.entries(backendSections)) {
      const keys = sizeless.has(name) ? LIMIT_KEYS.filter((k) => !k.includes('_limit')) : LIMIT_KEYS;
      expect([name, keys.filter((k) => !Object.hasOwn(fragment, k))]).toEqual([name, []]);
    }
  });

  it('repeats every option of a virtual section in its concrete sections, where it defaults to null', () => {
    for (const [concrete, virtual] of Object.entries(VIRTUAL_SECTIONS)) {
      const own = new Map(listOptions(backendSections[concrete]!).map((e) => [e.path, e.option]));
      for (const { path } of listOptions(backendSections[virtual]!)) {
        expect([concrete, path, own.get(path)?.default]).toEqual([concrete, path, null]);
      }
    }
  });

  it('names the same backends as the backend registry, and has a section for each known name', () => {
    expect([...SUPPORTED_BACKENDS].sort()).toEqual([...BACKEND_NAMES].sort());
    for (const name of [...SUPPORTED_BACKENDS, ...Object.keys(UNSUPPORTED_BACKENDS)]) expect(Object.keys(backendSections)).toContain(name);
  });
});
