import { fail, int, isPlainObject, listOf, mapOf, num, oneOf, shape, str, type Check } from '../checks.js';
import { FLAG, NAME, NAME_PATTERN, ROLE_NAME, TAGS, TEXT_LIST } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import { fallingBackTo, mergeFragments, type Fragment } from '../fragment.js';
import { limitOptions, type SectionLimits } from './limits.js';

/** `backends.aws` (virtual: shared defaults), `backends.awsrds` and `backends.awsaurora`. */

const text = str({ nonEmpty: true });
const required = (check: Check) => ({ check, required: true });

const NAME_OVERRIDES = defineFormat({
  name: 'aws-name-overrides',
  kind: 'array',
  check: listOf(shape({ namespace: required(text), name: required(text), aws_identifier: required(text) })),
});

const RDS_CLASSES = defineFormat({
  name: 'aws-rds-classes',
  kind: 'object',
  check: mapOf(
    shape({
      instance_type: required(text),
      storage_type: { check: oneOf(['gp2', 'gp3', 'io1']) },
      iops: { check: int(0) },
    }),
    { key: text },
  ),
});

/** An endpoint override: an http(s) URL (VPC interface endpoint, FIPS endpoint, local emulator). */
const AWS_ENDPOINT = defineFormat({
  name: 'aws-endpoint-url',
  kind: 'string',
  check: (v) => {
    if (typeof v !== 'string' || !/^https?:\/\/[^\s/]+/.test(v)) return fail('must be an http(s) URL like https://rds-fips.us-east-1.amazonaws.com', v);
    return [];
  },
});

/** PostgreSQL majors, oldest first; YAML numbers (16) are read as text. */
const MAJOR_VERSIONS = defineFormat({
  name: 'aws-engine-majors',
  kind: 'array',
  check: listOf(str({ pattern: /^\d+$/, hint: 'a PostgreSQL major version like 16' })),
  normalize: (v) => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' ? String(x) : x)) : v),
});

const APPLY_CHANGES = defineFormat({ name: 'aws-apply-changes', kind: 'string', check: oneOf(['safe', 'immediately', 'maintenance_window']) });

const scalingShape = shape({ min_capacity: required(num(0)), max_capacity: required(num(0.5)) });
const scalingConfiguration: Check = (v) => {
  const issues = scalingShape(v);
  if (issues.length || !isPlainObject(v)) return issues;
  return (v.min_capacity as number) > (v.max_capacity as number) ? fail('min_capacity must not be greater than max_capacity', v) : [];
};

const AURORA_CLASSES = defineFormat({
  name: 'aws-aurora-classes',
  kind: 'object',
  check: mapOf(
    shape({
      instance_type: required(text),
      scaling_configuration: { check: scalingConfiguration },
      storage_type: { check: oneOf(['aurora', 'aurora-iopt1']) },
      iops: { check: int(0) },
    }),
    { key: text },
  ),
});

/** Options every AWS section has. In `backends.aws` they carry the defaults. */
export const awsShared = {
  region: { doc: 'AWS region to create instances in, e.g. eu-central-1.', format: NAME, default: null, nullable: true, required: true },
  vpc_security_group_ids: { doc: 'VPC security groups assigned to every instance (they control who can connect).', format: TEXT_LIST, default: [] },
  subnet_group: { doc: 'Name of the DB subnet group to place instances in.', format: NAME, default: null, nullable: true, required: true },
  deletion_protection: { doc: 'If true, instances get deletion protection (the operator then cannot delete them).', format: FLAG, default: false },
  network: {
    public_access: { doc: 'If true, instances get a public address (the security groups still apply).', format: FLAG, default: false },
  },
  admin_username: { doc: 'Name of the master user.', format: ROLE_NAME, default: 'postgres' },
  name_pattern: {
    doc: "Pattern for instance identifiers in AWS; {namespace} and {name} are replaced by the PostgreSQLServer's namespace and name.",
    format: NAME_PATTERN,
    default: '{namespace}-{name}',
  },
  name_overrides: {
    doc: 'Servers whose AWS identifier does not follow name_pattern: a list of {namespace, name, aws_identifier}.',
    format: NAME_OVERRIDES,
    default: [],
  },
  tags: { doc: 'Extra tags for AWS resources; {namespace} and {name} can be used in keys and values.', format: TAGS, default: {} },
  ...limitOptions({ allowed_extensions: null, database_delete_fake: false }),
  endpoint: {
    doc: 'RDS API endpoint override (VPC interface endpoint, FIPS endpoint, local emulator); null = the regional default.',
    format: AWS_ENDPOINT,
    default: null,
    nullable: true,
  },
  final_snapshot: { doc: 'If true, a final snapshot <identifier>-final-<yyyymmddhhmmss> is taken when a server is deleted; false skips it.', format: FLAG, default: true },
  apply_changes: {
    doc: 'When modifications happen: safe = instance class and major version changes wait for the maintenance window, everything else at once; immediately = all at once (class changes restart the server); maintenance_window = everything RDS can defer waits.',
    format: APPLY_CHANGES,
    default: 'safe',
  },
  engine_versions: {
    doc: 'PostgreSQL majors users may ask for, oldest first; "latest" means the last one. Checked against what RDS offers when a server is created.',
    format: MAJOR_VERSIONS,
    default: ['13', '14', '15', '16', '17'],
  },
  ca_bundle_file: {
    doc: 'PEM file with the CA bundle published as ca.crt (e.g. for GovCloud or China regions); null = the built-in RDS global bundle.',
    format: NAME,
    default: null,
    nullable: true,
  },
} satisfies Fragment;

/** Options only the RDS instance section has. */
export const awsRdsOwn = {
  availability_zone: { doc: 'Availability zone for instances, e.g. eu-central-1a; null = AWS chooses.', format: NAME, default: null, nullable: true },
  classes: {
    doc: 'Size classes users can choose: name → {instance_type, storage_type (gp2, gp3, io1), iops}.',
    format: RDS_CLASSES,
    default: {},
    required: true,
  },
  default_class: { doc: 'Class used when a server names none.', format: NAME, default: null, nullable: true, required: true },
} satisfies Fragment;

/** Options only the Aurora cluster section has. */
export const awsAuroraOwn = {
  availability_zones: { doc: 'Availability zones for the cluster; empty = AWS chooses.', format: TEXT_LIST, default: [] },
  classes: {
    doc: 'Size classes users can choose: name → {instance_type (db.serverless for Serverless v2), scaling_configuration {min_capacity, max_capacity}, storage_type (aurora, aurora-iopt1), iops}.',
    format: AURORA_CLASSES,
    default: {},
    required: true,
  },
  default_class: { doc: 'Class used when a server names none.', format: NAME, default: null, nullable: true, required: true },
} satisfies Fragment;

export const aws: Fragment = awsShared;
export const awsrds: Fragment = mergeFragments(fallingBackTo(awsShared, 'backends.aws'), awsRdsOwn);
export const awsaurora: Fragment = mergeFragments(fallingBackTo(awsShared, 'backends.aws'), awsAuroraOwn);

/** The resolved options both AWS backends see (see `backendSection`). */
export interface AwsSharedSection extends SectionLimits {
  /** Set whenever the backend is in use (checked at start). */
  region: string;
  vpc_security_group_ids: string[];
  subnet_group: string;
  deletion_protection: boolean;
  network: { public_access: boolean };
  admin_username: string;
  name_pattern: string;
  name_overrides: { namespace: string; name: string; aws_identifier: string }[];
  tags: Record<string, string>;
  endpoint: string | null;
  final_snapshot: boolean;
  apply_changes: 'safe' | 'immediately' | 'maintenance_window';
  engine_versions: string[];
  ca_bundle_file: string | null;
}

export interface AwsRdsClass {
  instance_type: string;
  storage_type?: 'gp2' | 'gp3' | 'io1';
  iops?: number;
}

export interface AwsRdsSection extends AwsSharedSection {
  availability_zone: string | null;
  classes: Record<string, AwsRdsClass>;
  default_class: string;
}

export interface AwsAuroraClass {
  instance_type: string;
  scaling_configuration?: { min_capacity: number; max_capacity: number };
  storage_type?: 'aurora' | 'aurora-iopt1';
  iops?: number;
}

export interface AwsAuroraSection extends AwsSharedSection {
  availability_zones: string[];
  classes: Record<string, AwsAuroraClass>;
  default_class: string;
}
