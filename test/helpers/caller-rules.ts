/**
 * Checks a caller workflow the way GitHub does when it runs a reusable workflow call, beyond
 * callerMismatches / insufficientCallerPermissions in workflow-rules.ts: the type of every value
 * passed to a typed input (a string into a boolean input fails the run: "Unexpected value"), and
 * every `needs.<job>.outputs.<name>` naming a job the caller needs and an output that job or
 * workflow declares (an undeclared one is silently empty, which every linter lets through).
 * Also extracts the caller workflows written in the documentation, so they are checked too.
 */
import { parse as parseYaml } from 'yaml';
import { calledWorkflowFile, jobs, loadWorkflow, readRepoYaml, reusableInterface, type WorkflowFile } from './workflow-rules';

type Dict = Record<string, unknown>;
const asDict = (v: unknown): Dict => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : {});

export type ValueType = 'string' | 'boolean' | 'number' | 'any';

/** Typed inputs of a workflow's own triggers (workflow_dispatch, workflow_call): name -> type. */
function ownInputTypes(doc: Dict): Record<string, ValueType> {
  const on = asDict(doc.on ?? doc[true as unknown as string]);
  const types: Record<string, ValueType> = {};
  for (const trigger of ['workflow_dispatch', 'workflow_call'])
    for (const [name, spec] of Object.entries(asDict(asDict(on[trigger]).inputs))) {
      const t = String(asDict(spec).type ?? 'string');
      types[name] = t === 'boolean' || t === 'number' ? t : 'string'; // choice, environment: strings
    }
  return types;
}

/** Splits `a || b` / `a && b` at the top level (outside parentheses and quotes). */
function splitTop(expr: string, op: '||' | '&&'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && expr.startsWith(op, i)) {
      parts.push(expr.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  parts.push(expr.slice(start).trim());
  return parts;
}

/**
 * The type a GitHub expression evaluates to, as far as the caller can tell: comparisons and `!`
 * are booleans; `a && b` has b's type and `a || b` the operands' common type (GitHub returns an
 * operand, not a boolean); contexts such as vars, secrets, github, needs outputs are strings;
 * `inputs.x` has the caller's own input type; fromJSON can be anything.
 */
export function expressionType(expr: string, inputs: Record<string, ValueType>): ValueType {
  const e = expr.trim();
  const ors = splitTop(e, '||');
  if (ors.length > 1) {
    const types = new Set(ors.map((p) => expressionType(p, inputs)));
    return types.size === 1 ? [...types][0] : types.has('any') ? 'any' : 'string';
  }
  const ands = splitTop(e, '&&');
  if (ands.length > 1) return expressionType(ands[ands.length - 1], inputs);
  if (/^\(.*\)$/.test(e)) return expressionType(e.slice(1, -1), inputs);
  if (/^!/.test(e) || /(==|!=|<=|>=|<|>)/.test(e.replace(/'[^']*'/g, "''"))) return 'boolean';
  if (/^(true|false)$/.test(e)) return 'boolean';
  if (/^-?\d+(\.\d+)?$/.test(e)) return 'number';
  if (/^'.*'$/.test(e)) return 'string';
  if (/^(contains|startsWith|endsWith|success|failure|always|cancelled)\(/.test(e)) return 'boolean';
  if (/^fromJSON\(/i.test(e)) return 'any';
  const input = /^inputs\.([\w-]+)$/.exec(e);
  if (input) return inputs[input[1]] ?? 'any';
  return 'string';
}

/** The type of a `with:` value as written: a YAML scalar, or a whole `${{ }}` expression. */
export function valueType(value: unknown, inputs: Record<string, ValueType>): ValueType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'number';
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(String(value).trim());
  if (whole && !whole[1].includes('}}')) return expressionType(whole[1], inputs);
  return 'string';
}

/**
 * Every value passed to a typed input of a called workflow has a compatible type: a boolean input
 * takes a boolean (a YAML true/false, or an expression that is one), a number input a number;
 * a string input takes anything GitHub turns into a string (a boolean becomes 'true'/'false').
 */
export function callerTypeMismatches(wf: WorkflowFile, readCallee: (file: string) => Dict | undefined = readRepoYaml): string[] {
  const problems: string[] = [];
  const own = ownInputTypes(wf.doc);
  for (const [id, job] of jobs(wf)) {
    const file = typeof job.uses === 'string' ? calledWorkflowFile(job.uses) : undefined;
    const callee = file ? readCallee(file) : undefined;
    if (!file || !callee) continue; // callerMismatches reports these
    const on = asDict(callee.on ?? callee[true as unknown as string]);
    const declared = asDict(asDict(on.workflow_call).inputs);
    for (const [name, value] of Object.entries(asDict(job.with))) {
      const want = String(asDict(declared[name]).type ?? '');
      if (want !== 'boolean' && want !== 'number') continue;
      const got = valueType(value, own);
      if (got !== want && got !== 'any')
        problems.push(`${wf.file}: job '${id}' passes a ${got} to ${want} input '${name}' of ${file}: ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

/**
 * Every `needs.<job>.outputs.<name>` a job reads names a job in its `needs` and an output that job
 * declares (its `outputs:`, or the called workflow's `on.workflow_call.outputs`).
 */
export function undeclaredNeedsOutputs(wf: WorkflowFile, readCallee: (file: string) => Dict | undefined = readRepoYaml): string[] {
  const problems: string[] = [];
  const all = Object.fromEntries(jobs(wf));
  const outputsOf = (jobId: string): string[] | undefined => {
    const job = all[jobId];
    if (!job) return undefined;
    const file = typeof job.uses === 'string' ? calledWorkflowFile(job.uses) : undefined;
    if (file) return Object.keys(reusableInterface(readCallee(file) ?? {})?.outputs ?? {});
    return Object.keys(asDict(job.outputs));
  };
  for (const [id, job] of Object.entries(all)) {
    const needs = ([] as unknown[]).concat(job.needs ?? []).map(String);
    // Scripts hold no expressions (expressionsInRun), only prose that may name an output.
    const text = JSON.stringify({ ...job, needs: undefined }, (key, v: unknown) => (key === 'run' ? undefined : v));
    for (const m of text.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const [, from, name] = m;
      if (!needs.includes(from)) problems.push(`${wf.file}: job '${id}' reads needs.${from}.outputs.${name} but does not need '${from}'`);
      else if (!(outputsOf(from) ?? []).includes(name))
        problems.push(`${wf.file}: job '${id}' reads needs.${from}.outputs.${name}, which '${from}' does not declare (it would be empty)`);
    }
  }
  return problems;
}

/**
 * The caller workflows written in a Markdown page: every ```yaml block with a `jobs:` key that
 * calls a reusable workflow, labelled `<page>#<line>`. A block that is not a whole workflow (no
 * `on:` or no `permissions:`) is returned too, so a check can refuse it: a documented caller must
 * work as written.
 */
export function markdownCallers(page: string, markdown: string): WorkflowFile[] {
  const found: WorkflowFile[] = [];
  const re = /^```ya?ml\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(re)) {
    const text = m[1];
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch {
      continue; // not a workflow (e.g. a values file excerpt with placeholders)
    }
    if (!doc || typeof doc !== 'object' || !('jobs' in (doc as Dict))) continue;
    if (!/^\s+uses:\s*\S+\/\.github\/workflows\//m.test(text)) continue;
    const line = markdown.slice(0, m.index).split('\n').length + 1;
    found.push(loadWorkflow(`${page}#${line}`, text));
  }
  return found;
}
