/**
 * Orders strings by UTF-16 code units: stable across locales and Node builds, and unlike
 * `localeCompare` it does not load ICU's collation data (a few MB of RSS) into the process.
 */
export function byCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
