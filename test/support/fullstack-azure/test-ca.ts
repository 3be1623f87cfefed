/**
 * A throwaway CA and a server certificate for it, made with the openssl CLI (as the PoolRegistry
 * tests do), so a real PostgreSQL can stand in for an Azure server under `sslmode=verify-full`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  /** The CA certificate (PEM): what clients trust. */
  caPem: string;
  /** A second, unrelated CA: a client trusting only this must be refused. */
  otherCaPem: string;
  /** The server certificate (PEM) naming only `serverName`, signed by the CA, and its key. */
  certPem: string;
  keyPem: string;
}

/** Makes a CA and a certificate for `serverName` (a DNS name); files are removed afterwards. */
export async function makeTestCa(serverName: string): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'hcpo-azure-ca-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const file = (name: string) => join(dir, name);
  try {
    const ca = async (name: string) => {
      await run('openssl', ['req', '-x509', ...ec, '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-days', '2',
        '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
      return readFile(file(`${name}.crt`), 'utf8');
    };
    const caPem = await ca('test-root-ca');
    const otherCaPem = await ca('unrelated-ca');
    await run('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${serverName}`]);
    await writeFile(file('server.ext'), `subjectAltName=DNS:${serverName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    await run('openssl', ['x509', '-req', '-in', file('server.csr'), '-CA', file('test-root-ca.crt'), '-CAkey', file('test-root-ca.key'),
      '-CAcreateserial', '-days', '2', '-out', file('server.crt'), '-extfile', file('server.ext')]);
    return { caPem, otherCaPem, certPem: await readFile(file('server.crt'), 'utf8'), keyPem: await readFile(file('server.key'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
