import { PatchStrategy, setHeaderOptions } from './kubernetes-client.js';

/**
 * Request options that make a typed client-node patch call send a JSON merge patch.
 * client-node 2.x picks `application/json-patch+json` for custom objects (and strategic merge
 * for some built-ins) unless told otherwise; pass this as the call's second argument:
 * `custom.patchNamespacedCustomObjectStatus({ ...params, body }, mergePatchOptions())`.
 */
export function mergePatchOptions(): ReturnType<typeof setHeaderOptions> {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}
