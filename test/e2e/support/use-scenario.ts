import { afterAll, beforeAll } from '@jest/globals';
import { SIMPLE } from './manifests.js';
import { E2eScenario, type ScenarioOptions } from './scenario.js';

/**
 * The scenario of the enclosing `describe`: set up (namespace, CRDs, operator) before its first
 * test, then `prepare` (the objects every test starts from); torn down after its last test, also
 * when set-up or a test failed. Call it in the `describe` body; the value it returns stands for
 * the scenario once set up, so tests and helpers use it like the scenario itself.
 */
export function useScenario(opts: ScenarioOptions, prepare?: (s: E2eScenario) => Promise<unknown>): E2eScenario {
  let current: E2eScenario | undefined;
  beforeAll(async () => {
    current = await E2eScenario.setup(opts);
    await prepare?.(current);
  });
  afterAll(async () => {
    await current?.teardown();
  });
  return new Proxy({} as E2eScenario, {
    get(_target, property) {
      // Not a promise: `await` and jest's matchers probe `then` on any value they are given.
      if (property === 'then') return undefined;
      if (!current) throw new Error(`the e2e scenario was used before its set-up ran (or its set-up failed): ${String(property)}`);
      const value: unknown = Reflect.get(current, property, current);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
    set(_target, property, value: unknown) {
      if (!current) throw new Error(`the e2e scenario was used before its set-up ran (or its set-up failed): ${String(property)}`);
      return Reflect.set(current, property, value, current);
    },
  });
}

/** The README's Quickstart applied (examples/simple.yaml), its database Ready: where most scenarios start. */
export async function simpleExampleReady(s: E2eScenario): Promise<void> {
  await s.applyExample(SIMPLE.file);
  await s.waitForReady('PostgreSQLDatabase', SIMPLE.database);
}
