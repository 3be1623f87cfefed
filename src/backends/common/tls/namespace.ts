import type { TlsSettings } from '../../../config/sections/tls.js';

/** The namespace of the CA Secret: configured, else the operator pod's (POD_NAMESPACE), else "default". */
export function operatorNamespace(settings: Pick<TlsSettings, 'namespace'>, env: NodeJS.ProcessEnv = process.env): string {
  return settings.namespace || env.POD_NAMESPACE || 'default';
}
