import { describe, expect, it } from '@jest/globals';
import { BUILT_IN_KEYS, credentialsData } from './credentials.js';

const input = {
  endpoint: { host: 'db.example', port: 5433, sslmode: 'verify-full' as const },
  database: 'app_db',
  username: 'app_db',
  password: 'p@ss/word',
  caCert: '-----BEGIN CERTIFICATE-----\n',
};

describe('credentialsData', () => {
  it('keeps the existing keys and adds libpq variables with the same values', () => {
    const data = credentialsData(input);
    expect(data).toEqual({
      hostname: 'db.example',
      host: 'db.example',
      port: '5433',
      dbname: 'app_db',
      username: 'app_db',
      password: 'p@ss/word',
      sslmode: 'verify-full',
      uri: 'postgresql://app_db:p%40ss%2Fword@db.example:5433/app_db?sslmode=verify-full',
      'jdbc-url': 'jdbc:postgresql://db.example:5433/app_db?user=app_db&password=p%40ss%2Fword&sslmode=verify-full',
      'ca.crt': '-----BEGIN CERTIFICATE-----\n',
      PGHOST: 'db.example',
      PGPORT: '5433',
      PGDATABASE: 'app_db',
      PGUSER: 'app_db',
      PGPASSWORD: 'p@ss/word',
      PGSSLMODE: 'verify-full',
    });
  });

  it('writes no PGSSLROOTCERT (a path only the pod knows) and no ca.crt without a CA', () => {
    const data = credentialsData({ ...input, caCert: undefined });
    expect(data).not.toHaveProperty('PGSSLROOTCERT');
    expect(data).not.toHaveProperty('ca.crt');
  });

  it('lists every key it writes as built in', () => {
    expect([...BUILT_IN_KEYS].sort()).toEqual(Object.keys(credentialsData(input)).sort());
  });
});
