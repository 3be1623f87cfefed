import { describe, expect, it } from '@jest/globals';
import { renderTemplate, templateFields, templateProblems, TEMPLATE_FIELDS } from './credentials-template.js';

const input = {
  endpoint: { host: 'db.example', port: 5432, sslmode: 'require' as const },
  database: 'app',
  username: 'app',
  password: 's3cret',
  caCert: 'PEM',
};

describe('credentials templates', () => {
  it('renders every field, with or without spaces inside the braces', () => {
    const template = Object.fromEntries(TEMPLATE_FIELDS.map((f) => [`X_${f}`, `<{{ .${f} }}|{{.${f}}}>`]));
    expect(templateProblems(template)).toEqual([]);
    const fields = templateFields(input);
    const out = renderTemplate(template, fields);
    for (const f of TEMPLATE_FIELDS) expect(out[`X_${f}`]).toBe(`<${fields[f]}|${fields[f]}>`);
    expect(fields).toMatchObject({ host: 'db.example', port: '5432', dbname: 'app', username: 'app', password: 's3cret', sslmode: 'require', caCrt: 'PEM' });
    expect(fields.uri).toBe('postgresql://app:s3cret@db.example:5432/app?sslmode=require');
    expect(fields.jdbcUrl).toBe('jdbc:postgresql://db.example:5432/app?user=app&password=s3cret&sslmode=require');
  });

  it('keeps literal text and renders an absent CA as empty', () => {
    const out = renderTemplate({ DATABASE_URL: '{{ .uri }}&application_name=x', PGSSLROOTCERT: '/etc/pg/ca.crt', CA: '{{ .caCrt }}' }, templateFields({ ...input, caCert: undefined }));
    expect(out).toEqual({ DATABASE_URL: 'postgresql://app:s3cret@db.example:5432/app?sslmode=require&application_name=x', PGSSLROOTCERT: '/etc/pg/ca.crt', CA: '' });
  });

  it.each([
    [{ A: '{{ .hostname }}' }, /unknown field "\.hostname"/],
    [{ A: '{{ .Password }}' }, /unknown field "\.Password"/],
    [{ A: '{{ password }}' }, /is not a placeholder/],
    [{ A: '{{ .uri | upper }}' }, /is not a placeholder/],
    [{ A: '{{ printf "x" .uri }}' }, /is not a placeholder/],
    [{ A: 'x {{ .uri' }, /without a closing/],
    [{ password: 'x' }, /written by the operator/],
    [{ PGPASSWORD: '{{ .password }}' }, /written by the operator/],
    [{ 'jdbc-url': 'x' }, /written by the operator/],
    [{ 'bad key': 'x' }, /not a valid Secret key/],
  ])('refuses %j', (template, problem) => {
    const problems = templateProblems(template);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});
