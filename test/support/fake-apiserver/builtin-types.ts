import type { ResourceType } from './types.js';

type Builtin = Pick<ResourceType, 'group' | 'plural' | 'kind' | 'namespaced'> & Partial<ResourceType>;

/** Fills the flags most built-in types share; each entry below lists only how it differs. */
function builtin(b: Builtin): ResourceType {
  return {
    versions: ['v1'],
    singular: b.kind.toLowerCase(),
    statusSubresource: false,
    generation: 'none',
    createOnUpdate: false,
    unconditionalUpdate: true,
    returnDeletedObject: false,
    custom: false,
    fieldSelectors: [],
    ...b,
  };
}

const EVENT_FIELDS = [
  'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
  'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
  'reason', 'reportingComponent', 'source', 'type',
];

/**
 * The built-in resources the fake serves, with the per-type behaviour of the real registry
 * strategies (status subresource, generation tracking, create-on-update, delete response).
 */
export function builtinTypes(): ResourceType[] {
  return [
    builtin({ group: '', plural: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], statusSubresource: true, returnDeletedObject: true, fieldSelectors: ['status.phase'] }),
    builtin({ group: '', plural: 'secrets', kind: 'Secret', namespaced: true, fieldSelectors: ['type'] }),
    builtin({ group: '', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
    builtin({ group: '', plural: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'], statusSubresource: true, createOnUpdate: true, returnDeletedObject: true }),
    builtin({ group: '', plural: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], statusSubresource: true, generation: 'spec', returnDeletedObject: true, fieldSelectors: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'] }),
    builtin({ group: '', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], statusSubresource: true, returnDeletedObject: true }),
    builtin({ group: '', plural: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], createOnUpdate: true, fieldSelectors: EVENT_FIELDS }),
    builtin({ group: '', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] }),
    builtin({ group: 'apps', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], statusSubresource: true, generation: 'spec' }),
    builtin({ group: 'batch', plural: 'cronjobs', kind: 'CronJob', namespaced: true, shortNames: ['cj'], statusSubresource: true, generation: 'spec' }),
    builtin({ group: 'batch', plural: 'jobs', kind: 'Job', namespaced: true, statusSubresource: true, generation: 'spec' }),
    builtin({ group: 'coordination.k8s.io', plural: 'leases', kind: 'Lease', namespaced: true, createOnUpdate: true }),
    builtin({ group: 'events.k8s.io', plural: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], createOnUpdate: true, fieldSelectors: ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'reason', 'reportingController', 'type'] }),
    // Not stored: the answer to a POST is the caller's authorization decision (authorization.ts).
    builtin({ group: 'authorization.k8s.io', plural: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] }),
    builtin({
      group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false,
      shortNames: ['crd', 'crds'], statusSubresource: true, generation: 'spec', unconditionalUpdate: false, returnDeletedObject: true,
    }),
  ];
}
