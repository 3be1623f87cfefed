import { randomUUID } from 'node:crypto';

/** The element name RDS uses for the members of each list-valued field. */
const MEMBER_NAMES: Record<string, string> = {
  DBInstances: 'DBInstance',
  DBClusters: 'DBCluster',
  DBEngineVersions: 'DBEngineVersion',
  VpcSecurityGroups: 'VpcSecurityGroupMembership',
  TagList: 'Tag',
  DBClusterMembers: 'DBClusterMember',
  AvailabilityZones: 'AvailabilityZone',
  ReadReplicaDBInstanceIdentifiers: 'ReadReplicaDBInstanceIdentifier',
};

const NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Serialises a plain value tree the way the RDS Query API does (lists wrapped per MEMBER_NAMES). */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const member = MEMBER_NAMES[name] ?? 'member';
    return `<${name}>${value.map((v) => toXml(member, v)).join('')}</${name}>`;
  }
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => toXml(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<XResponse><XResult>…</XResult><ResponseMetadata/></XResponse>`. */
export function responseXml(action: string, result: Record<string, unknown>): string {
  const body = Object.entries(result)
    .map(([k, v]) => toXml(k, v))
    .join('');
  return (
    `<?xml version="1.0"?>\n<${action}Response xmlns="${NAMESPACE}"><${action}Result>${body}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorXml(code: string, message: string): string {
  return (
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}
