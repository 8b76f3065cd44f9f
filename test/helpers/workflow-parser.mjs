// Validates workflow files with GitHub's own @actions/workflow-parser and prints one JSON line:
// {"<file>": ["error", ...], ...}. Run as a child process (jest runs CommonJS; the parser is ESM and
// imports its JSON schema without an import attribute, which Node refuses, so a load hook supplies it).
// Usage: node test/helpers/workflow-parser.mjs ROOT FILE... (ROOT resolves reusable workflow references).
import { register } from 'node:module';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

const jsonAsModule = `
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.json')) {
    return { format: 'module', shortCircuit: true, source: 'export default ' + readFileSync(fileURLToPath(url), 'utf8') + ';' };
  }
  return next(url, context);
}`;
register('data:text/javascript,' + encodeURIComponent(jsonAsModule));

const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import('@actions/workflow-parser');

const [root, ...files] = process.argv.slice(2);

/** Reusable workflow references resolve inside ROOT: `./path` and `<owner>/shipline/path@ref` alike. */
const fileProvider = {
  async getFileContent(ref) {
    if (ref.repository !== undefined && ref.repository !== 'shipline') throw new Error(`not this repository: ${ref.owner}/${ref.repository}`);
    const rel = ref.path.replace(/^\.\//, '');
    return { name: rel, content: await readFile(path.join(root, rel), 'utf8') };
  },
};

const result = {};
for (const file of files) {
  const content = await readFile(file, 'utf8');
  const parsed = parseWorkflow({ name: path.relative(root, file), content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length === 0 && parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value, fileProvider, { fetchReusableWorkflowDepth: 1 });
    for (const e of template.errors ?? []) if (!errors.includes(e.Message)) errors.push(e.Message);
  }
  result[file] = errors;
}
process.stdout.write(JSON.stringify(result) + '\n');
