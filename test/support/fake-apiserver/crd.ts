import type { FieldError } from './errors.js';
import type { KubeObject, ResourceType, Schema } from './types.js';
import { isRecord } from './types.js';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: unknown };
}

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; singular?: string; kind?: string; listKind?: string; shortNames?: string[] };
  versions?: CrdVersion[];
}

const specOf = (crd: KubeObject): CrdSpec => (isRecord(crd.spec) ? (crd.spec as CrdSpec) : {});

export const isCrdType = (t: Pick<ResourceType, 'group' | 'plural'>): boolean =>
  t.group === 'apiextensions.k8s.io' && t.plural === 'customresourcedefinitions';

/** The resource a CRD serves. Versions share one storage (conversion strategy None). */
export function crdToType(crd: KubeObject): ResourceType {
  const spec = specOf(crd);
  const versions = (spec.versions ?? []).filter((v) => v.served !== false);
  const storage = (spec.versions ?? []).find((v) => v.storage) ?? versions[0];
  const names = spec.names ?? {};
  return {
    group: spec.group ?? '',
    versions: versions.map((v) => v.name),
    plural: names.plural ?? '',
    singular: names.singular ?? (names.kind ?? '').toLowerCase(),
    kind: names.kind ?? '',
    namespaced: spec.scope !== 'Cluster',
    ...(names.shortNames ? { shortNames: names.shortNames } : {}),
    // Per-version subresources are simplified to the storage version's.
    statusSubresource: storage?.subresources?.status !== undefined,
    generation: 'non-metadata',
    createOnUpdate: false,
    unconditionalUpdate: false,
    returnDeletedObject: true,
    custom: true,
    fieldSelectors: [],
    schemas: new Map(versions.map((v) => [v.name, v.schema?.openAPIV3Schema])),
  };
}

/** The defaults the real server fills into a CRD. */
export function crdDefaults(crd: KubeObject): void {
  const spec = specOf(crd);
  if (spec.names?.kind) {
    spec.names.singular ??= spec.names.kind.toLowerCase();
    spec.names.listKind ??= `${spec.names.kind}List`;
  }
  const s = spec as Record<string, unknown>;
  s.conversion ??= { strategy: 'None' };
}

const required = (field: string): FieldError => ({ field, reason: 'FieldValueRequired', message: 'Required value' });

/** The structural checks of CRD validation that a typo in a test CRD would trip. */
export function validateCrd(crd: KubeObject): FieldError[] {
  const spec = specOf(crd);
  const errs: FieldError[] = [];
  if (!spec.group) errs.push(required('spec.group'));
  if (!spec.names?.plural) errs.push(required('spec.names.plural'));
  if (!spec.names?.kind) errs.push(required('spec.names.kind'));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errs.push({ field: 'spec.scope', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"` });
  }
  const expected = `${spec.names?.plural ?? ''}.${spec.group ?? ''}`;
  if (crd.metadata.name !== expected) {
    errs.push({ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group` });
  }
  return [...errs, ...versionErrors(spec.versions ?? [])];
}

function versionErrors(versions: CrdVersion[]): FieldError[] {
  const errs: FieldError[] = [];
  if (versions.length === 0) errs.push(required('spec.versions'));
  if (versions.filter((v) => v.storage).length !== 1) {
    errs.push({ field: 'spec.versions', reason: 'FieldValueInvalid', message: 'Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version' });
  }
  return errs;
}

export function crdInitialStatus(crd: KubeObject): unknown {
  const storage = specOf(crd).versions?.find((v) => v.storage)?.name;
  return { acceptedNames: { kind: '', plural: '' }, conditions: [], storedVersions: storage ? [storage] : [] };
}

/** What the CRD controllers write once the names are accepted and the resource is served. */
export function crdEstablishedStatus(crd: KubeObject, now: string): Record<string, unknown> {
  const spec = specOf(crd);
  const old = isRecord(crd.status) ? crd.status : {};
  const names = spec.names ?? {};
  const condition = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    ...old,
    acceptedNames: { plural: names.plural, singular: names.singular, kind: names.kind, listKind: names.listKind, ...(names.shortNames ? { shortNames: names.shortNames } : {}) },
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
  };
}

export function isEstablished(crd: KubeObject): boolean {
  const conds = isRecord(crd.status) && Array.isArray(crd.status.conditions) ? crd.status.conditions : [];
  return conds.some((c) => isRecord(c) && c.type === 'Established' && c.status === 'True');
}
