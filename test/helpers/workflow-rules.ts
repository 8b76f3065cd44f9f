/**
 * Structural rules over workflow YAML, shared by the workflow tests. Each rule returns a list of
 * problems (empty = fine), so a test can feed it both the real files and a deliberately bad
 * snippet and see it caught.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');

type Dict = Record<string, unknown>;

export interface WorkflowFile {
  /** Path relative to ROOT (or a label for a snippet). */
  file: string;
  text: string;
  doc: Dict;
}

export function loadWorkflow(file: string, text = readFileSync(path.join(ROOT, file), 'utf8')): WorkflowFile {
  return { file, text, doc: parseYaml(text) as Dict };
}

/** Every workflow of the repository and every starter template. */
export function allWorkflowFiles(): string[] {
  const list = (dir: string) =>
    existsSync(path.join(ROOT, dir))
      ? readdirSync(path.join(ROOT, dir))
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => `${dir}/${f}`)
      : [];
  return [...list('.github/workflows'), ...list('workflows-templates')];
}

const asDict = (v: unknown): Dict => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : {});
const asList = (v: unknown): Dict[] => (Array.isArray(v) ? (v as Dict[]) : []);

export function jobs(wf: WorkflowFile): [string, Dict][] {
  return Object.entries(asDict(wf.doc.jobs)).map(([id, job]) => [id, asDict(job)]);
}

export function steps(job: Dict): Dict[] {
  return asList(job.steps);
}

function workflowCall(doc: Dict): Dict | undefined {
  const on = doc.on ?? doc[true as unknown as string]; // `on:` may parse as boolean key in YAML 1.1
  const call = asDict(on).workflow_call;
  return call === undefined ? undefined : asDict(call);
}

const SHA_PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
/** A reusable workflow of the organisation's own Shipline repository (any owner: forks and mirrors alike). */
const FIRST_PARTY_WORKFLOW = /^[A-Za-z0-9_.-]+\/shipline\/\.github\/workflows\/[^@\s]+\.ya?ml@(.+)$/;
/** Any of Shipline's own references: a reusable workflow, an action, or the root setup action. */
const FIRST_PARTY_REF = /^[A-Za-z0-9_.-]+\/shipline(\/\.github\/workflows\/[^@\s]+\.ya?ml|\/actions\/[a-z-]+)?@/;
/** A 40-character SHA of zeros is a placeholder, not a commit. */
const PLACEHOLDER_SHA = /@0{40}$/;
/**
 * Where the source may hold the release placeholder (zeros, `# v0.0.0`) that release.yml replaces
 * with the release commit's SHA and version: the starter templates and the documentation.
 */
export const releasePlaceholderAllowed = (file: string) => file.startsWith('workflows-templates/') || /(^|\/)(README|docs\/[^/]+)\.md(#|$)/.test(file);

/**
 * Pinning rule. Every action and reusable workflow outside this repository, Shipline's own
 * included: a full 40-character commit SHA with the version in a comment. A tag (even Shipline's
 * `@v1`) or a branch can be moved, and whatever it points to runs with the job's permissions.
 * A SHA of zeros is a placeholder: refused, except `@0{40} # v0.0.0` on a Shipline workflow in
 * the templates and docs, which release.yml fills in. Local paths (`./...`) are always fine.
 */
export function unpinnedUses(wf: WorkflowFile): string[] {
  const problems: string[] = [];
  const lines = wf.text.split('\n');
  lines.forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(['"]?)([^'"\s#]+)\1\s*(#.*)?$/.exec(line);
    if (!m) return;
    const ref = m[2];
    const where = `${wf.file}:${i + 1}`;
    if (ref.startsWith('./')) return;
    if (ref.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref)) problems.push(`${where}: docker image not pinned by digest: ${ref}`);
      return;
    }
    const firstParty = FIRST_PARTY_WORKFLOW.test(ref);
    if (PLACEHOLDER_SHA.test(ref)) {
      const released = FIRST_PARTY_REF.test(ref) && releasePlaceholderAllowed(wf.file) && /^#\s*v0\.0\.0\b/.test(m[3] ?? '');
      if (!released) problems.push(`${where}: placeholder SHA, not a commit: ${ref}`);
      return;
    }
    if (!SHA_PINNED.test(ref)) problems.push(`${where}: not pinned to a 40-character SHA${firstParty ? ' (a Shipline tag can be moved too)' : ''}: ${ref}`);
    else if (!/#\s*v\d/.test(m[3] ?? '')) problems.push(`${where}: pinned SHA without a version comment: ${ref}`);
  });
  return problems;
}

/** The workflow and every job declare `permissions` (reusable-workflow calls included). */
export function missingPermissions(wf: WorkflowFile): string[] {
  const problems: string[] = [];
  if (!('permissions' in wf.doc)) problems.push(`${wf.file}: no top-level permissions`);
  for (const [id, job] of jobs(wf)) if (!('permissions' in job)) problems.push(`${wf.file}: job '${id}' has no permissions`);
  return problems;
}

/**
 * No `${{ }}` expression inside a `run:` script: values reach scripts through `env:` only, so no
 * input, event field or step output can inject shell code.
 */
export function expressionsInRun(wf: WorkflowFile): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(wf))
    steps(job).forEach((step, i) => {
      if (typeof step.run === 'string' && step.run.includes('${{'))
        problems.push(`${wf.file}: job '${id}' step ${i + 1} (${String(step.name ?? 'unnamed')}) has \${{ }} in run:`);
    });
  return problems;
}

/** AWS access by OIDC only: configure-aws-credentials with role-to-assume, never stored keys. */
export function longLivedAwsKeys(wf: WorkflowFile): string[] {
  const problems: string[] = [];
  if (/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/.test(wf.text)) problems.push(`${wf.file}: mentions long-lived AWS keys`);
  for (const [id, job] of jobs(wf))
    for (const step of steps(job))
      if (String(step.uses ?? '').startsWith('aws-actions/configure-aws-credentials@') && !asDict(step.with)['role-to-assume'])
        problems.push(`${wf.file}: job '${id}' configures AWS credentials without role-to-assume`);
  return problems;
}

interface Interface {
  inputs: Record<string, { required: boolean; hasDefault: boolean; description?: string }>;
  secrets: Record<string, { required: boolean; description?: string }>;
  outputs: Record<string, { description?: string }>;
}

/** The inputs, secrets and outputs a reusable workflow declares. */
export function reusableInterface(doc: Dict): Interface | undefined {
  const call = workflowCall(doc);
  if (!call) return undefined;
  const map = <T>(v: unknown, f: (d: Dict) => T) => Object.fromEntries(Object.entries(asDict(v)).map(([k, d]) => [k, f(asDict(d))]));
  return {
    inputs: map(call.inputs, (d) => ({ required: d.required === true, hasDefault: 'default' in d, description: d.description as string | undefined })),
    secrets: map(call.secrets, (d) => ({ required: d.required === true, description: d.description as string | undefined })),
    outputs: map(call.outputs, (d) => ({ description: d.description as string | undefined })),
  };
}

/** Every input, secret and output of a reusable workflow has a description. */
export function undocumentedInterface(wf: WorkflowFile): string[] {
  const api = reusableInterface(wf.doc);
  if (!api) return [];
  const problems: string[] = [];
  for (const [kind, entries] of Object.entries(api) as [string, Record<string, { description?: string }>][])
    for (const [name, d] of Object.entries(entries))
      if (!d.description || d.description.trim().length < 10) problems.push(`${wf.file}: ${kind.replace(/s$/, '')} '${name}' has no description`);
  return problems;
}

/** Resolves `./.github/workflows/x.yml` or `<owner>/shipline/.github/workflows/x.yml@<sha or release tag>` to a file here. */
export function calledWorkflowFile(uses: string): string | undefined {
  const local = /^\.\/(\.github\/workflows\/[^@]+\.ya?ml)$/.exec(uses);
  if (local) return local[1];
  const remote = /^[^/]+\/shipline\/(\.github\/workflows\/[^@]+\.ya?ml)@([0-9a-f]{40}|v\d+(?:\.\d+\.\d+)?)$/.exec(uses);
  return remote?.[1];
}

/** Callers pass only the inputs and secrets the callee declares, and every required one. */
export function callerMismatches(wf: WorkflowFile, readCallee: (file: string) => Dict | undefined = readRepoYaml): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(wf)) {
    if (typeof job.uses !== 'string') continue;
    const file = calledWorkflowFile(job.uses);
    if (!file) {
      problems.push(`${wf.file}: job '${id}' calls a workflow outside this repository: ${job.uses}`);
      continue;
    }
    const callee = readCallee(file);
    const api = callee && reusableInterface(callee);
    if (!api) {
      problems.push(`${wf.file}: job '${id}' calls ${file}, which is missing or not a reusable workflow`);
      continue;
    }
    const withs = asDict(job.with);
    for (const name of Object.keys(withs))
      if (!(name in api.inputs)) problems.push(`${wf.file}: job '${id}' passes input '${name}' that ${file} does not declare`);
    for (const [name, spec] of Object.entries(api.inputs))
      if (spec.required && !spec.hasDefault && !(name in withs)) problems.push(`${wf.file}: job '${id}' omits required input '${name}' of ${file}`);
    if (job.secrets === 'inherit') continue;
    const secrets = asDict(job.secrets);
    for (const name of Object.keys(secrets))
      if (!(name in api.secrets)) problems.push(`${wf.file}: job '${id}' passes secret '${name}' that ${file} does not declare`);
    for (const [name, spec] of Object.entries(api.secrets))
      if (spec.required && !(name in secrets)) problems.push(`${wf.file}: job '${id}' omits required secret '${name}' of ${file}`);
  }
  return problems;
}

/** Steps of this suite's own actions pass only declared inputs and every required one (action.yml). */
export function actionInputMismatches(wf: WorkflowFile, readAction: (name: string) => Dict | undefined = readActionYml): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(wf))
    for (const step of steps(job)) {
      const m = /^\.\/(?:\.shipline\/)?actions\/([a-z-]+)$/.exec(String(step.uses ?? ''));
      if (!m) continue;
      const action = readAction(m[1]);
      if (!action) {
        problems.push(`${wf.file}: job '${id}' uses actions/${m[1]}, which has no action.yml`);
        continue;
      }
      const inputs = asDict(action.inputs);
      const withs = asDict(step.with);
      for (const name of Object.keys(withs))
        if (!(name in inputs)) problems.push(`${wf.file}: job '${id}' passes '${name}' that actions/${m[1]} does not declare`);
      for (const [name, spec] of Object.entries(inputs))
        if (asDict(spec).required === true && !('default' in asDict(spec)) && !(name in withs))
          problems.push(`${wf.file}: job '${id}' omits required input '${name}' of actions/${m[1]}`);
    }
  return problems;
}

/** A job calling production.yml must (transitively) need a job calling approval.yml. */
export function productionWithoutApproval(wf: WorkflowFile): string[] {
  const all = new Map(jobs(wf));
  const calls = (job: Dict, name: string) => typeof job.uses === 'string' && calledWorkflowFile(job.uses)?.endsWith(`/${name}`) === true;
  const needs = (job: Dict): string[] => (Array.isArray(job.needs) ? (job.needs as string[]) : typeof job.needs === 'string' ? [job.needs] : []);
  const reachesApproval = (id: string, seen = new Set<string>()): boolean => {
    if (seen.has(id)) return false;
    seen.add(id);
    const job = all.get(id);
    if (!job) return false;
    return calls(job, 'approval.yml') || needs(job).some((n) => reachesApproval(n, seen));
  };
  const problems: string[] = [];
  for (const [id, job] of all)
    if (calls(job, 'production.yml') && !needs(job).some((n) => reachesApproval(n)))
      problems.push(`${wf.file}: job '${id}' deploys to production without needing the approval job`);
  return problems;
}

export function readRepoYaml(file: string): Dict | undefined {
  const p = path.join(ROOT, file);
  return existsSync(p) ? (parseYaml(readFileSync(p, 'utf8')) as Dict) : undefined;
}

export function readActionYml(name: string): Dict | undefined {
  return readRepoYaml(`actions/${name}/action.yml`);
}

const cellText = (s: unknown) =>
  String(s ?? '')
    .replace(/</g, '&lt;')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();

/** The README's tables for a reusable workflow (inputs, secrets, outputs), generated from its YAML. */
export function interfaceTables(file: string): string {
  const call = workflowCall(readRepoYaml(file) ?? {}) ?? {};
  const out: string[] = [`<!-- workflow:${path.basename(file)} -->`, '| input | type | required | default | description |', '| --- | --- | --- | --- | --- |'];
  for (const [name, spec] of Object.entries(asDict(call.inputs))) {
    const d = asDict(spec);
    const def = d.default === undefined || d.default === '' ? '' : `\`${cellText(d.default)}\``;
    out.push(`| \`${name}\` | ${cellText(d.type)} | ${d.required === true ? 'yes' : 'no'} | ${def} | ${cellText(d.description)} |`);
  }
  const secrets = Object.entries(asDict(call.secrets));
  if (secrets.length > 0) {
    out.push('', '| secret | required | description |', '| --- | --- | --- |');
    for (const [name, spec] of secrets) out.push(`| \`${name}\` | ${asDict(spec).required === true ? 'yes' : 'no'} | ${cellText(asDict(spec).description)} |`);
  }
  const outputs = Object.entries(asDict(call.outputs));
  if (outputs.length > 0) {
    out.push('', '| output | description |', '| --- | --- |');
    for (const [name, spec] of outputs) out.push(`| \`${name}\` | ${cellText(asDict(spec).description)} |`);
  }
  out.push(`<!-- /workflow:${path.basename(file)} -->`);
  return out.join('\n');
}

/** The block of README.md between `<!-- workflow:NAME -->` markers, or undefined. */
export function readmeTables(readme: string, name: string): string | undefined {
  const m = new RegExp(`<!-- workflow:${name.replace('.', '\\.')} -->[\\s\\S]*?<!-- /workflow:${name.replace('.', '\\.')} -->`).exec(readme);
  return m?.[0];
}

const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };

function permissionMap(p: unknown): Record<string, number> {
  if (p === 'read-all' || p === 'write-all') return new Proxy({}, { get: () => LEVEL[p.replace('-all', '')] });
  return Object.fromEntries(Object.entries(asDict(p)).map(([scope, level]) => [scope, LEVEL[String(level)] ?? 0]));
}

/**
 * A called workflow's jobs get at most what the calling job grants: every scope a callee job asks
 * for must be granted by the caller, or GitHub refuses the run ("nested job is requesting ...").
 */
export function insufficientCallerPermissions(wf: WorkflowFile, readCallee: (file: string) => Dict | undefined = readRepoYaml): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(wf)) {
    if (typeof job.uses !== 'string') continue;
    const file = calledWorkflowFile(job.uses);
    const callee = file ? readCallee(file) : undefined;
    if (!file || !callee) continue; // callerMismatches reports these
    const granted = permissionMap('permissions' in job ? job.permissions : wf.doc.permissions);
    for (const [calleeJob, spec] of Object.entries(asDict(callee.jobs))) {
      const asked = permissionMap('permissions' in asDict(spec) ? asDict(spec).permissions : callee.permissions);
      for (const [scope, level] of Object.entries(asked))
        if (level > (granted[scope] ?? 0))
          problems.push(
            `${wf.file}: job '${id}' grants ${scope}: ${Object.keys(LEVEL)[granted[scope] ?? 0]} but ${file} job '${calleeJob}' needs ${Object.keys(LEVEL)[level]}`,
          );
    }
  }
  return problems;
}

/**
 * A job running `./.shipline/actions/<name>` must check out exactly its own Shipline revision into
 * `.shipline` first: located in the job (step id `shipline`), or, once per workflow, by a first job
 * `shipline` (outputs repository and sha from its OIDC step) that the job needs. Otherwise the path
 * does not exist in the caller's workspace, or holds other code.
 */
export function shiplineCheckoutMissing(wf: WorkflowFile): string[] {
  const problems: string[] = [];
  const all = Object.fromEntries(jobs(wf));
  const locator = all.shipline;
  const locatorOutputs = asDict(locator?.outputs);
  const locatorOk =
    locator !== undefined &&
    steps(locator).some((s) => s.id === 'locate' && String(s.run ?? '').includes('job_workflow_sha')) &&
    locatorOutputs.sha === '${{ steps.locate.outputs.sha }}' &&
    locatorOutputs.repository === '${{ steps.locate.outputs.repository }}';
  for (const [id, job] of jobs(wf)) {
    const list = steps(job);
    const firstUse = list.findIndex((s) => String(s.uses ?? '').startsWith('./.shipline/'));
    if (firstUse < 0) continue;
    const needs = ([] as unknown[]).concat(job.needs ?? []).map(String);
    const from = needs.includes('shipline') && locatorOk ? 'needs' : 'steps';
    const locate = from === 'needs' ? -1 : list.findIndex((s) => s.id === 'shipline');
    const checkout = list.findIndex((s) => {
      const w = asDict(s.with);
      return (
        String(s.uses ?? '').startsWith('actions/checkout@') &&
        w.path === '.shipline' &&
        w.ref === `\${{ ${from}.shipline.outputs.sha }}` &&
        w.repository === `\${{ ${from}.shipline.outputs.repository }}`
      );
    });
    if (checkout < 0 || !(locate < checkout && checkout < firstUse) || (from === 'steps' && locate < 0))
      problems.push(`${wf.file}: job '${id}' runs ./.shipline actions without first checking out its own Shipline revision into .shipline`);
  }
  return problems;
}
