// Copies the data files that compiled code reads beside itself (PEM bundles) from src/ into
// dist/src/, keeping their paths: `tsc` compiles only TypeScript. Runs in `npm run build`.
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ASSET = /\.pem$/;
const copied = [];
for (const entry of readdirSync('src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !ASSET.test(entry.name)) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join('dist', from));
  copied.push(relative('src', from));
}
if (!copied.length) throw new Error('no assets found under src/: the build would ship without its CA bundles');
