/**
 * A throwaway CA, an unrelated second CA, and server certificates signed by the first, made with
 * the openssl CLI — so a real PostgreSQL can serve TLS that clients verify (`verify-ca`,
 * `verify-full`), as a cloud server does.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServerCert {
  certPem: string;
  keyPem: string;
}

export interface TestCa {
  /** The CA certificate (PEM): what clients trust. */
  caPem: string;
  /** A second, unrelated CA: a client trusting only this must be refused. */
  otherCaPem: string;
  /** One server certificate per requested subjectAltName (`DNS:localhost`, `IP:127.0.0.1`). */
  certs: Record<string, ServerCert>;
}

/** Makes the CAs and a certificate for each subjectAltName; the files are removed afterwards. */
export async function makeTestCa(subjectAltNames: string[]): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'hcpo-test-ca-'));
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
    const certs: Record<string, ServerCert> = {};
    for (const [i, san] of subjectAltNames.entries()) {
      const leaf = `server-${i}`;
      await run('openssl', ['req', ...ec, '-keyout', file(`${leaf}.key`), '-out', file(`${leaf}.csr`), '-subj', `/CN=${san.replace(/^\w+:/, '')}`]);
      await writeFile(file(`${leaf}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      await run('openssl', ['x509', '-req', '-in', file(`${leaf}.csr`), '-CA', file('test-root-ca.crt'), '-CAkey', file('test-root-ca.key'),
        '-CAcreateserial', '-days', '2', '-out', file(`${leaf}.crt`), '-extfile', file(`${leaf}.ext`)]);
      certs[san] = { certPem: await readFile(file(`${leaf}.crt`), 'utf8'), keyPem: await readFile(file(`${leaf}.key`), 'utf8') };
    }
    return { caPem, otherCaPem, certs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
