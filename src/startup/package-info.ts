import { readFileSync } from 'node:fs';

/** The fields of the project's package.json the operator reads at run time. */
export interface PackageInfo {
  name: string;
  version: string;
  engines: { node: string };
}

/**
 * package.json, found from this module upwards: `dist/src/startup/` when built (the image copies
 * package.json beside `dist/`), `src/startup/` under the tests.
 */
export function readPackageInfo(from: string | URL = import.meta.url): PackageInfo {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, from), 'utf8')) as PackageInfo;
      if (pkg.name === 'hybrid-cloud-postgresql-operator') return pkg;
    } catch {
      // not this level
    }
  }
  throw new Error('package.json of hybrid-cloud-postgresql-operator not found above the operator\'s code');
}
