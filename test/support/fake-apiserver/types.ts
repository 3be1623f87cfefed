/** Shapes shared by the fake API server's modules. Objects are plain JSON, as on the wire. */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** An OpenAPI v3 schema as found in a CRD (only the parts the fake understands are typed). */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  default?: unknown;
  nullable?: boolean;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
}

/** What bumps metadata.generation on update (the real strategies differ per type). */
export type GenerationRule =
  | 'none' // the type has no generation (Secrets, ConfigMaps, Leases, ...)
  | 'spec' // only .spec changes count (StatefulSets, Pods, CRDs)
  | 'non-metadata'; // anything but metadata counts (custom resources; status too unless it is a subresource)

/** One served resource: everything the generic handlers need to know about it. */
export interface ResourceType {
  /** '' for the core group. */
  group: string;
  /** Served versions; the first is the preferred one. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  statusSubresource: boolean;
  generation: GenerationRule;
  /** PUT on a missing object creates it (Services, Events, Leases do this in the real API). */
  createOnUpdate: boolean;
  /** PUT without metadata.resourceVersion is allowed (false for custom resources and CRDs). */
  unconditionalUpdate: boolean;
  /** DELETE answers with the deleted object instead of a Status (Pods, Services, PVCs, custom resources). */
  returnDeletedObject: boolean;
  /** Served from a CRD: lists keep kind/apiVersion on items and strategic merge patch is refused. */
  custom: boolean;
  /** Field selector paths beyond metadata.name / metadata.namespace. */
  fieldSelectors: string[];
  /** Verbs listed by discovery when not the usual full set (create-only review resources). */
  verbs?: string[];
  /** CRD schemas by version (custom resources only). */
  schemas?: Map<string, Schema | undefined>;
}

export const typeKey = (t: Pick<ResourceType, 'group' | 'plural'>): string => `${t.group}/${t.plural}`;

export const apiVersionOf = (group: string, version: string): string => (group ? `${group}/${version}` : version);

/** The "plural.group" name the real API uses in error messages. */
export const qualifiedResource = (t: Pick<ResourceType, 'group' | 'plural'>): string =>
  t.group ? `${t.plural}.${t.group}` : t.plural;

/** The "Kind.group" name the real API uses in validation messages. */
export const qualifiedKind = (t: Pick<ResourceType, 'group' | 'kind'>): string => (t.group ? `${t.kind}.${t.group}` : t.kind);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object as served at `version` (versions share storage, so only apiVersion differs). */
export function atVersion(t: ResourceType, version: string, obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion: apiVersionOf(t.group, version), kind: t.kind, ...rest } as KubeObject;
}
