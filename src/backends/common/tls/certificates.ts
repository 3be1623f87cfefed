/**
 * X.509 for the operator's CA and the per-server certificates. Node's crypto makes the keys and
 * reads certificates (`X509Certificate`) but cannot issue one: node-forge signs them (pure
 * JavaScript, no native build, no dependencies of its own). RSA 2048 keys, SHA-256 signatures:
 * what every PostgreSQL client and libpq build accepts.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { CA_VALIDITY_DAYS } from '../../../config/sections/tls.js';

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 86_400_000;
/** Clocks in a cluster differ a little: certificates are valid from a few minutes ago. */
const BACKDATE_MS = 5 * 60_000;

function newKeys(): { key: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    key: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
    keyPem,
  };
}

/** A positive serial number of 16 random bytes (RFC 5280: unique per CA, at most 20 bytes). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}

/** The operator's CA: self-signed, valid for ten years, allowed to sign server certificates only. */
export function createCa(commonName: string, now = new Date()): KeyPairPem {
  const { key, publicKey, keyPem } = newKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** A server certificate for `dnsNames` (the first is also the subject's CN), signed by `ca`. */
export function issueServerCertificate(ca: KeyPairPem, dnsNames: string[], validDays: number, now = new Date()): KeyPairPem {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const { publicKey, keyPem } = newKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validDays * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: dnsNames[0] ?? 'postgresql' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: dnsNames.map((value) => ({ type: 2, value })) },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** What decides whether a server certificate must be renewed. */
export interface CertificateFacts {
  notAfter: Date;
  dnsNames: string[];
  serial: string;
  /** Signed by the given CA (false when the CA changed or the PEM is not a certificate). */
  issuedByCa: boolean;
}

/** Reads a certificate; undefined when the PEM is not one. */
export function certificateFacts(certPem: string, caPem: string): CertificateFacts | undefined {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    const dnsNames = (cert.subjectAltName ?? '')
      .split(', ')
      .filter((n) => n.startsWith('DNS:'))
      .map((n) => n.slice(4));
    return { notAfter: new Date(cert.validTo), dnsNames, serial: cert.serialNumber, issuedByCa: cert.checkIssued(ca) && cert.verify(ca.publicKey) };
  } catch {
    return undefined;
  }
}
