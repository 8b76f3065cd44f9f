/**
 * Credentials and every form derived from them. A secret leaks less often in the clear than in
 * a form built from it: the base64 of `user:password` in a Basic header, a percent-encoded
 * password in a URL, a token JSON-escaped inside a quoted error body. The runner masks exactly
 * the strings it is given, so each form is registered the moment it is built, through one
 * helper used by every client (registry, Prometheus, HTTP checks, webhooks, git, Argo CD).
 *
 * The encoders follow the runner's own secret maskers (actions/runner `SecretMasker` value
 * encoders): base64 at each of the three byte alignments, URI escaping, JSON string escaping.
 */
import type { Reporter } from './reporter';

/** Shortest base64 fragment worth masking: shorter ones would blank out ordinary text. */
const MIN_FRAGMENT = 6;

/**
 * The base64 text a secret produces wherever it sits inside a longer encoded string: for each
 * byte offset 0, 1, 2, the characters that depend only on the secret's bytes.
 */
export function base64Fragments(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out = new Set<string>();
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    const fragment = encoded.slice(start, end);
    if (fragment.length >= MIN_FRAGMENT) out.add(fragment);
  }
  for (const full of [bytes.toString('base64'), bytes.toString('base64url')]) out.add(full);
  return [...out];
}

/**
 * Every form of `value` the suite might write or a service might echo: the value, its base64
 * (standard, URL-safe, at every alignment), percent-encoded (URI component and form), and
 * JSON-string escaped. Empty input gives [].
 */
export function derivedForms(value: string): string[] {
  if (!value) return [];
  const forms = new Set<string>([value, ...base64Fragments(value)]);
  forms.add(encodeURIComponent(value));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  forms.add(JSON.stringify(value).slice(1, -1));
  return [...forms].filter(Boolean);
}

/** Masks a credential and every derived form of it, at once (see derivedForms). */
export function maskSecret(reporter: Pick<Reporter, 'setSecret'>, value: string): void {
  for (const form of derivedForms(value)) reporter.setSecret(form);
}

/**
 * `Basic <base64(username:password)>` (RFC 7617), with the password, `username:password` and the
 * header value masked before it is returned. The username alone is not a secret.
 */
export function basicAuthorization(reporter: Pick<Reporter, 'setSecret'>, username: string, password: string): string {
  const pair = `${username}:${password}`;
  const header = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  maskSecret(reporter, password);
  maskSecret(reporter, pair);
  reporter.setSecret(header);
  return header;
}

/** `Bearer <token>` (RFC 6750), with the token and its forms masked before it is returned. */
export function bearerAuthorization(reporter: Pick<Reporter, 'setSecret'>, token: string): string {
  maskSecret(reporter, token);
  return `Bearer ${token}`;
}

/** Header names whose lines a quoted service body must never carry. */
const CREDENTIAL_HEADERS = /^\s*"?(authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token|x-api-key|private-token)"?\s*[:=]/i;
/** `Authorization: Basic ...` or `"authorization":"..."` inside one line of JSON or text. */
const INLINE_CREDENTIAL =
  /("?(?:authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token|x-api-key)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^\r\n,;}]*)/gi;
/** Any `Basic <base64>` / `Bearer <token>` credential that survives the rules above. */
const SCHEME_CREDENTIAL = /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{6,}/g;

/**
 * A service's error body made safe to quote: lines that carry credential headers dropped,
 * inline credential values (JSON or text) and `Basic`/`Bearer` credentials replaced by ***,
 * then every derived form of each known secret masked.
 */
export function scrubServiceText(text: string, secrets: Iterable<string> = []): string {
  let out = text
    .split(/\r?\n/)
    .filter((line) => !CREDENTIAL_HEADERS.test(line))
    .join('\n')
    .replace(INLINE_CREDENTIAL, (_m, key: string) => `${key}***`)
    .replace(SCHEME_CREDENTIAL, (_m, scheme: string) => `${scheme} ***`);
  const forms = [...secrets].flatMap(derivedForms).sort((a, b) => b.length - a.length);
  for (const form of forms) out = out.split(form).join('***');
  return out;
}
