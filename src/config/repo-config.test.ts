import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { backendSection } from './backend-section.js';
import { loadConfig, resolveConfig } from './load.js';
import type { StatefulSetSection } from './sections/statefulset.js';

describe('config.yaml at the repository root', () => {
  it('is valid and uses the in-cluster backend with three size classes', () => {
    const config = loadConfig({ file: 'config.yaml', env: {} });
    expect(config.backend).toBe('statefulset');
    expect(config.allowed_backends).toEqual([]);
    expect(config.handler_on_resume).toBe(false);
    const sts = backendSection<StatefulSetSection>(config, 'statefulset');
    expect(sts.classes).toEqual({ small: { cpu: '500m', memory: '512Mi' }, medium: { cpu: '1', memory: '2Gi' }, large: { cpu: '2', memory: '8Gi' } });
    expect(sts.default_class).toBe('small');
  });

  it('explains every option in a comment on its line', () => {
    const lines = readFileSync('config.yaml', 'utf8').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(lines.filter((l) => !/ {2}# \S/.test(l))).toEqual([]);
  });
});

describe('operator configs in examples/values-*.yaml', () => {
  const files = readdirSync('examples').filter((f) => /^values-.*\.yaml$/.test(f));
  it.each(files)('%s holds a valid operatorConfig', (file) => {
    const values = parse(readFileSync(`examples/${file}`, 'utf8')) as { operatorConfig?: string };
    if (values.operatorConfig === undefined) return;
    expect(() => resolveConfig(parse(values.operatorConfig!, { version: '1.1' }), {}, file)).not.toThrow();
  });
});
