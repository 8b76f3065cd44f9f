#!/usr/bin/env node
// Prints an action's README input/output tables (with the markers the contract test reads)
// from its action.yml, for pasting into docs/<name>.md: `node scripts/readme-tables.mjs helm-deploy`.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const name = process.argv[2] ?? 'setup';
const file = name === 'setup' ? 'action.yml' : `actions/${name}/action.yml`;
const yml = parse(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'));
const esc = (s) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
const out = [`<!-- inputs:${name} -->`, '| input | required | default | description |', '| --- | --- | --- | --- |'];
for (const [k, v] of Object.entries(yml.inputs ?? {})) {
  out.push(`| \`${k}\` | ${v.required ? 'yes' : 'no'} | ${v.default === undefined || v.default === '' ? '' : `\`${v.default}\``} | ${esc(v.description)} |`);
}
out.push(`<!-- /inputs:${name} -->`, '', `<!-- outputs:${name} -->`, '| output | description |', '| --- | --- |');
for (const [k, v] of Object.entries(yml.outputs ?? {})) out.push(`| \`${k}\` | ${esc(v.description)} |`);
out.push(`<!-- /outputs:${name} -->`);
console.log(out.join('\n'));
