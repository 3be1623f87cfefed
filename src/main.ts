#!/usr/bin/env node
/**
 * The entry point (`node dist/src/main.js`, as the image, the chart, `npm start`, the benchmarks and
 * the tests run it). It imports only what loads on any Node.js, checks the version against
 * package.json's `engines`, and only then loads the operator (`cli.ts`): on an old Node.js the user
 * reads one line naming the version needed instead of a stack trace from deep inside a dependency.
 */
import { nodeVersionProblem } from './startup/node-version.js';
import { readPackageInfo } from './startup/package-info.js';

const problem = nodeVersionProblem(process.versions, readPackageInfo().engines.node, process.execPath);
if (problem) {
  console.error(problem);
  process.exit(1);
}

// The S3 backup jobs run this image for one upload or download (ADR 0023): they load only that
// command, not the operator and its Kubernetes client.
if (process.argv[2] === 'backup-s3') {
  const { runBackupS3 } = await import('./backup-s3/command.js');
  process.exit(await runBackupS3(process.argv.slice(3)));
}

const { main } = await import('./cli.js');
main(process.argv.slice(2)).catch((err: unknown) => {
  // A bug, not a start-up problem (those are one line, see startup/): the stack helps.
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
