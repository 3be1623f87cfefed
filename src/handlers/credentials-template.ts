import { BUILT_IN_KEYS, connectionUri, credentialsData, jdbcUrl, type CredentialsInput } from './credentials.js';

/**
 * `spec.credentialsTemplate`: extra Secret keys whose values are text with `{{ .field }}`
 * placeholders over a fixed set of fields. Nothing else is understood (no functions, pipes,
 * conditions): a template is data, and no code runs from it. The field names are the Secret's own
 * keys in camelCase (`jdbc-url` → `jdbcUrl`, `ca.crt` → `caCrt`).
 */
export const TEMPLATE_FIELDS = ['host', 'port', 'dbname', 'username', 'password', 'sslmode', 'uri', 'jdbcUrl', 'caCrt'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** What a Secret key may be (the API server's rule for Secret data keys). */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const PLACEHOLDER = /\{\{(.*?)\}\}/gs;
const FIELD_REF = /^\s*\.([A-Za-z][A-Za-z0-9]*)\s*$/;

/** Everything wrong with a template, one message per problem; empty when it is usable. */
export function templateProblems(template: Record<string, string> | undefined): string[] {
  const problems: string[] = [];
  for (const [key, text] of Object.entries(template ?? {})) {
    if (!SECRET_KEY.test(key)) problems.push(`key "${key}" is not a valid Secret key (letters, digits, '-', '_' and '.')`);
    if (BUILT_IN_KEYS.includes(key)) problems.push(`key "${key}" is written by the operator itself and cannot be templated`);
    for (const m of text.matchAll(PLACEHOLDER)) {
      const field = FIELD_REF.exec(m[1] ?? '')?.[1];
      if (!field) problems.push(`key "${key}": "${m[0]}" is not a placeholder; only {{ .field }} is understood`);
      else if (!isField(field)) problems.push(`key "${key}": unknown field ".${field}"; known: ${TEMPLATE_FIELDS.map((f) => `.${f}`).join(', ')}`);
    }
    if (text.replace(PLACEHOLDER, '').includes('{{')) problems.push(`key "${key}": "{{" without a closing "}}"`);
  }
  return problems;
}

/** The values of the template's fields for one set of credentials. */
export function templateFields(input: CredentialsInput): Record<TemplateField, string> {
  return {
    host: input.endpoint.host,
    port: String(input.endpoint.port),
    dbname: input.database,
    username: input.username,
    password: input.password,
    sslmode: input.endpoint.sslmode,
    uri: connectionUri(input),
    jdbcUrl: jdbcUrl(input),
    // Empty on backends without a CA to trust (in-cluster servers without TLS).
    caCrt: input.caCert ?? '',
  };
}

/** Renders a template `templateProblems` found nothing wrong with. */
export function renderTemplate(template: Record<string, string> | undefined, fields: Record<TemplateField, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(template ?? {}).map(([key, text]) => [key, text.replace(PLACEHOLDER, (_all, inner: string) => fields[FIELD_REF.exec(inner)?.[1] as TemplateField] ?? '')]),
  );
}

/**
 * The Secret's data: the template's keys first, then the built-in keys (a template can never
 * replace one; `templateProblems` refuses such a template before anything is written).
 */
export function credentialsSecretData(
  input: CredentialsInput,
  template: Record<string, string> | undefined,
  builtIn: Record<string, string> = credentialsData(input),
): Record<string, string> {
  return { ...renderTemplate(template, templateFields(input)), ...builtIn };
}

function isField(name: string): name is TemplateField {
  return (TEMPLATE_FIELDS as readonly string[]).includes(name);
}
