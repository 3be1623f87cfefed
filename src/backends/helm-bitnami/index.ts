import { backendSection } from '../../config/backend-section.js';
import type { HelmBitnamiSection } from '../../config/sections/helmbitnami.js';
import type { BackendFactory } from '../types.js';
import { serverCertificates } from '../common/tls/certificate-source.js';
import { HelmBitnamiBackend } from './backend.js';

export { HelmBitnamiBackend, type HelmBitnamiOptions } from './backend.js';
export { releaseName } from './release-name.js';
export { buildReleaseValues } from './values.js';
export { HelmCli, HelmError, SUPPORTED_HELM_MAJOR } from './helm-cli.js';

/** `backend: helmbitnami`: one Bitnami PostgreSQL chart release per server, through the helm v3 CLI. */
export const createHelmBitnamiBackend: BackendFactory = (deps) =>
  new HelmBitnamiBackend({
    settings: backendSection<HelmBitnamiSection>(deps.config, 'helmbitnami'),
    kube: deps.kube,
    log: deps.log.child({ backend: 'helmbitnami' }),
    applyAdoptionDifferences: deps.config.python_takeover.apply_differences,
    tls: { settings: deps.config.tls, certs: serverCertificates(deps) },
    deniedParameters: deps.config.server_parameters.denied,
    operatorImage: process.env.OPERATOR_IMAGE,
  });
