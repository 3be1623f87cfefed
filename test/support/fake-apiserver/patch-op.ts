import { parse as parseYaml } from 'yaml';
import type { Ctx } from './context.js';
import { badRequest, notFound, unsupportedMediaType } from './errors.js';
import type { Target, WriteResult } from './operations.js';
import { commitUpdate, createObject } from './operations.js';
import { jsonPatch, mergePatch } from './patch.js';
import { strategicMerge } from './strategic-merge.js';
import type { KubeObject, ResourceType } from './types.js';
import { atVersion, isRecord } from './types.js';
import { prepareUpdate } from './write-rules.js';

export const MERGE = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC = 'application/strategic-merge-patch+json';
export const APPLY = 'application/apply-patch+yaml';

export interface PatchRequest {
  contentType: string;
  body: string;
  subresource?: string;
  fieldManager?: string;
}

function decodeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

function decodeApply(body: string): KubeObject {
  let doc: unknown;
  try {
    doc = parseYaml(body);
  } catch (e) {
    throw badRequest(`error decoding YAML: ${(e as Error).message}`);
  }
  if (!isRecord(doc) || !doc.apiVersion || !doc.kind) throw badRequest('invalid object type: apiVersion and kind must be set in an apply configuration');
  return doc as KubeObject;
}

/**
 * Server-side apply, SIMPLIFIED to create-or-merge: managed fields are not tracked, so fields a
 * manager stops applying are not removed and there are no conflicts between managers.
 */
function apply(ctx: Ctx, { t, version, namespace: ns, name }: Target, req: PatchRequest): WriteResult {
  if (!req.fieldManager) throw badRequest('PATCH, fieldManager is required for apply requests');
  const config = decodeApply(req.body);
  if (config.metadata?.name !== undefined && config.metadata.name !== name) {
    throw badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
  }
  const existing = ctx.store.get(t, ns, name);
  if (!existing) {
    if (req.subresource) throw notFound(t, name);
    return { object: createObject(ctx, t, version, ns, { ...config, metadata: { ...config.metadata, name } }), created: true };
  }
  const current = atVersion(t, version, existing);
  const merged = t.custom ? mergePatch(current, config) : strategicMerge(current, config);
  return { object: commitUpdate(ctx, t, existing, prepareUpdate(t, version, existing, merged, { subresource: req.subresource, requireResourceVersion: true })), created: false };
}

function patched(t: ResourceType, existing: KubeObject, req: PatchRequest): unknown {
  switch (req.contentType) {
    case MERGE: return mergePatch(existing, decodeJson(req.body));
    case JSON_PATCH: return jsonPatch(existing, decodeJson(req.body));
    case STRATEGIC:
      // Custom resources have no Go struct tags to drive a strategic merge: the real server refuses.
      if (t.custom) throw unsupportedMediaType([JSON_PATCH, MERGE, APPLY]);
      return strategicMerge(existing, decodeJson(req.body));
    default:
      throw unsupportedMediaType(t.custom ? [JSON_PATCH, MERGE, APPLY] : [JSON_PATCH, MERGE, STRATEGIC, APPLY]);
  }
}

/** PATCH in all four flavours. The patched object then goes through the same rules as an update. */
export function patchObject(ctx: Ctx, target: Target, req: PatchRequest): WriteResult {
  const { t, version, namespace: ns, name } = target;
  if (req.contentType === APPLY) return apply(ctx, target, req);
  if (![MERGE, JSON_PATCH, STRATEGIC].includes(req.contentType)) patched(t, { metadata: {} }, req);
  const existing = ctx.store.get(t, ns, name);
  if (!existing) throw notFound(t, name);
  const next = prepareUpdate(t, version, existing, patched(t, atVersion(t, version, existing), req), { subresource: req.subresource, requireResourceVersion: true });
  return { object: commitUpdate(ctx, t, existing, next), created: false };
}
