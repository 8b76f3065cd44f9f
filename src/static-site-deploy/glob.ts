/**
 * Globs over the slash-separated object keys of a build, as .gitignore and `aws s3 --include`
 * users write them: `*` and `?` stay within one path segment, `**` crosses segments, `{a,b}`
 * alternates, and a glob without a slash matches the file name at any depth (`*.html`).
 */

/** Compiles a glob to an anchored RegExp over a key such as `assets/app.3f9a1c.js`; throws on an unclosed `{`. */
export function globRegExp(glob: string): RegExp {
  const g = glob.replace(/^\.?\//, '');
  if (g === '') throw new Error('empty glob');
  let re = '';
  let depth = 0;
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      const slash = g[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\}]/g, '\\$&');
  }
  if (depth !== 0) throw new Error("unclosed '{'");
  return new RegExp(g.includes('/') ? `^${re}$` : `^(?:.*/)?${re}$`);
}
