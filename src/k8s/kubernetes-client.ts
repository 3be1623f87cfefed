/**
 * Every piece of `@kubernetes/client-node` the operator runs, and the only module that loads its code
 * (types may still be imported from the package directly; eslint refuses value imports elsewhere).
 *
 * Why one module: the package's index, and even its `KubeConfig` module, load all of its generated
 * code — some 60 API groups in three wrapper styles and 700 models — about 35 MB of RSS more than
 * the five API groups the operator uses. `npm run build` replaces this module's compiled output with a
 * tree-shaken bundle of just these exports (`scripts/bundle-kubernetes-client.mjs`, ADR 0007); the
 * package's own dependencies stay ordinary imports. Tests run this source unbundled, so behaviour
 * is the package's either way.
 */
export {
  ADD,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  DELETE,
  ERROR,
  EventsV1Api,
  KubeConfig,
  ListWatch,
  PatchStrategy,
  ResponseContext,
  ServerConfiguration,
  setHeaderMiddleware,
  setHeaderOptions,
  UPDATE,
  V1MicroTime,
  Watch,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
