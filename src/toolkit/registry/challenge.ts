/** WWW-Authenticate parsing (RFC 7235): `Bearer realm="...",service="...",scope="..."`, `Basic realm="..."`. */

export interface Challenge {
  /** Lowercased: 'bearer', 'basic', ... */
  scheme: string;
  /** Parameter names lowercased; values unquoted. */
  params: Record<string, string>;
}

/** Splits a header into its challenges (one header may carry several, comma separated). */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  let i = 0;
  const s = header;
  const skip = (re: RegExp) => {
    while (i < s.length && re.test(s[i])) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i])) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (!scheme) {
      i++;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    // Parameters follow until a token that is not followed by '=' (the next scheme).
    for (;;) {
      skip(/[\s,]/);
      const save = i;
      const name = token();
      skip(/\s/);
      if (!name || s[i] !== '=') {
        i = save;
        break;
      }
      const token68 = /^=+\s*(?:,|$)/.exec(s.slice(i));
      if (token68 && Object.keys(challenge.params).length === 0) {
        // `Negotiate abc==`: an opaque token68, not a parameter.
        challenge.params.token68 = name + token68[0].replace(/[\s,]/g, '');
        i += token68[0].length;
        break;
      }
      i++; // '='
      skip(/\s/);
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++; // closing quote
      } else {
        value = token();
        while (s[i] === '=') value += s[i++]; // token68 padding
      }
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return challenges;
}

/** `repository:<name>:<actions>` for a token request. */
export function repositoryScope(repository: string, actions: readonly ('pull' | 'push')[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** Whether the granted scopes include every action the needed scopes ask for. */
export function scopesCover(granted: readonly string[], needed: readonly string[]): boolean {
  const have = new Set(granted.flatMap(expandScope));
  return needed.flatMap(expandScope).every((s) => have.has(s));
}

function expandScope(scope: string): string[] {
  const cut = scope.lastIndexOf(':');
  if (cut < 0) return [scope];
  const resource = scope.slice(0, cut);
  return scope
    .slice(cut + 1)
    .split(',')
    .map((action) => `${resource}:${action}`);
}
