import { mapOf, shape, str } from '../checks.js';
import { FLAG, NAME, POSITIVE, TEXT, k8sClass } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import type { Fragment } from '../fragment.js';
import { limitOptions } from './limits.js';

/**
 * `backends.helmyugabyte`: the reference operator's Yugabyte prototype. This operator does not
 * offer it as a backend; the section is kept so existing config files load unchanged.
 */
const YUGABYTE_CLASSES = defineFormat({
  name: 'yugabyte-classes',
  kind: 'object',
  check: mapOf(shape({ master: { check: k8sClass, required: true }, tserver: { check: k8sClass, required: true } }), { key: str({ nonEmpty: true }) }),
});

export const helmyugabyte = {
  default_class: { doc: 'Class used when a server names none.', format: NAME, default: null, nullable: true },
  classes: { doc: 'Size classes: name → {master: {cpu, memory}, tserver: {cpu, memory}}.', format: YUGABYTE_CLASSES, default: {} },
  replicas_master: { doc: 'Number of master replicas (3 for high availability).', format: POSITIVE, default: 1 },
  replicas_tserver: { doc: 'Number of tserver replicas (3 for high availability).', format: POSITIVE, default: 1 },
  partitions_master: { doc: 'Number of partitions on the master nodes.', format: POSITIVE, default: 1 },
  partitions_tserver: { doc: 'Number of partitions on the tserver nodes.', format: POSITIVE, default: 1 },
  storage_class: { doc: 'Storage class of the data volumes; "" = the cluster default.', format: TEXT, default: '' },
  pvc_cleanup: { doc: 'If true, deleting a server also deletes its persistent volume claims.', format: FLAG, default: false },
  ...limitOptions({ allowed_extensions: null, database_delete_fake: false }),
} satisfies Fragment;
