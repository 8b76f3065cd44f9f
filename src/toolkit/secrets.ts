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
 * byte offset 0, 1, 2, the characters that depend only on the secret's bytes, in the standard
 * and the URL-safe alphabet (RFC 4648 §4, §5), plus the whole value's own encodings.
 */
export function base64Fragments(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out = new Set<string>();
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    const fragment = encoded.slice(start, end);
    if (fragment.length >= MIN_FRAGMENT) {
      out.add(fragment);
      out.add(fragment.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  for (const full of [bytes.toString('base64'), bytes.toString('base64url')]) out.add(full);
  return [...out];
}

/** The value as the WHATWG URL parser writes it in `user:password@` (userinfo percent-encode set). */
function userinfoEncoded(value: string): string {
  const url = new URL('http://host');
  url.password = value;
  return url.password;
}

/**
 * Every form of `value` the suite might write or a service might echo: the value, its base64
 * (standard and URL-safe, at every alignment), percent-encoded (URI component, form, URL
 * userinfo, lower-case hex), JSON-string escaped, and each line of a multi-line value. Forms
 * shorter than 6 characters (other than the value itself) are left out. Empty input gives [].
 */
export function derivedForms(value: string): string[] {
  if (!value) return [];
  const forms = new Set<string>([value, ...base64Fragments(value)]);
  const uri = encodeURIComponent(value);
  forms.add(uri);
  forms.add(uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  forms.add(userinfoEncoded(value));
  forms.add(JSON.stringify(value).slice(1, -1));
  // the runner masks line by line: each line of a multi-line secret (a PEM key) is a form too
  if (/[\r\n]/.test(value)) for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_FRAGMENT) forms.add(line.trim());
  // a derived form shorter than a base64 fragment (a short password's base64) would blank out ordinary text
  return [...forms].filter((f) => f === value || f.length >= MIN_FRAGMENT);
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
  const header = `Bearer ${token}`;
  reporter.setSecret(header);
  return header;
}

/**
 * Masks a header value a user gave whole (e.g. `Authorization: Basic dXNlcjpwYXNz` in an input):
 * the value, the credential after an auth scheme, and for Basic the decoded `user:password` and
 * password, each with its derived forms. A value that is not `<scheme> <credential>` is masked as
 * one secret.
 */
export function maskHeaderValue(reporter: Pick<Reporter, 'setSecret'>, value: string): void {
  maskSecret(reporter, value);
  const m = /^\s*([A-Za-z][\w-]*)\s+(\S+)\s*$/.exec(value);
  if (!m) return;
  maskSecret(reporter, m[2]);
  if (m[1].toLowerCase() !== 'basic') return;
  const decoded = Buffer.from(m[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // only a real `user:password` decoding: anything else is not the user's credential
  if (colon < 0 || Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') !== m[2].replace(/=+$/, '')) return;
  maskSecret(reporter, decoded);
  maskSecret(reporter, decoded.slice(colon + 1));
}

const CREDENTIAL_NAMES =
  'authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token|x-api-key|api[-_]?key|private-token|x-auth-token|x-registry-auth|x-vault-token|' +
  'password|passwd|secret|client_secret|access_token|refresh_token|id_token|identitytoken|registrytoken|token|auth';
/** Header names whose lines a quoted service body must never carry. */
const CREDENTIAL_HEADERS =
  /^\s*"?(authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token|x-api-key|private-token|x-auth-token|x-registry-auth|x-vault-token)"?\s*[:=]/i;
/** `Authorization: Basic ...`, `"password":"..."`, `\"token\": \"...\"` inside one line of JSON or text. */
const INLINE_CREDENTIAL = new RegExp(
  `((?:\\\\?")?\\b(?:${CREDENTIAL_NAMES})(?:\\\\?")?\\s*[:=]\\s*)(\\\\"(?:[^"\\\\]|\\\\[^"])*\\\\"|"(?:[^"\\\\]|\\\\.)*"|\\[[^\\]]*\\]|[^\\s&,;}\\]"']+(?:[ \\t]+[^\\s&,;}\\]"']+)?)`,
  'gi',
);
/**
 * Any `Basic <base64>` / `Bearer <token>` credential that survives the rules above: one that holds
 * a digit, + or / (so "Basic authentication required" and `Bearer realm="…"` stay readable).
 */
const SCHEME_CREDENTIAL = /\b(Basic|Bearer)\s+(?=[A-Za-z._~-]*[0-9+/])[A-Za-z0-9._~+/-]{6,}=*/gi;
/** `scheme://user:password@` in a quoted URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi;
/** Signed-URL parameters (S3 presigned blob redirects, SAS tokens): the query grants access. */
const SIGNED_QUERY = /([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|se|sv)=)[^&\s"'<>]+/gi;

/**
 * `scheme://user:password@host` with the userinfo replaced by ***: for messages that must show a
 * URL a user typed (or a service answered) without its credentials.
 */
export function withoutUserinfo(text: string): string {
  return text.replace(URL_USERINFO, '$1***@');
}

/**
 * A service's error body (or a program's stderr) made safe to quote: lines that carry credential
 * headers dropped; inline credential values (headers, JSON fields such as password/token,
 * form fields), `Basic`/`Bearer` credentials, URL userinfo and signed-URL query parameters
 * replaced by ***; then every derived form of each known secret masked, longest first.
 */
export function scrubServiceText(text: string, secrets: Iterable<string> = []): string {
  let out = text
    .split(/\r?\n/)
    .filter((line) => !CREDENTIAL_HEADERS.test(line))
    .join('\n')
    .replace(INLINE_CREDENTIAL, (_m, key: string) => `${key}***`)
    .replace(SCHEME_CREDENTIAL, (_m, scheme: string) => `${scheme} ***`)
    .replace(URL_USERINFO, '$1***@')
    .replace(SIGNED_QUERY, '$1***');
  const forms = [...new Set([...secrets].flatMap(derivedForms))].sort((a, b) => b.length - a.length);
  for (const form of forms) out = out.split(form).join('***');
  return out;
}
