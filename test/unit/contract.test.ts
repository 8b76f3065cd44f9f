/**
 * Every input and output stands in exactly three agreeing places: action.yml, the parser's
 * INPUTS/OUTPUTS, and the table between the action's markers in its page docs/<action>.md.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, readActionYml, actionYmlPath } from '../harness/run-action';
import type { InputSpecs } from '../../src/toolkit/inputs';

const actions = [
  'setup',
  ...(existsSync(path.join(ROOT, 'actions')) ? readdirSync(path.join(ROOT, 'actions')) : []).filter((d) =>
    existsSync(path.join(ROOT, 'actions', d, 'action.yml')),
  ),
];
/** Each action's reference page: `docs/<action>.md`. */
const docPage = (action: string): string => readFileSync(path.join(ROOT, 'docs', `${action}.md`), 'utf8');

interface Row {
  name: string;
  required?: string;
  default?: string;
}

/** Rows of the table between `<!-- kind:action -->` and `<!-- /kind:action -->`. */
function readmeTable(kind: 'inputs' | 'outputs', action: string): Row[] {
  const readme = docPage(action);
  const m = new RegExp(`<!-- ${kind}:${action} -->([\\s\\S]*?)<!-- /${kind}:${action} -->`).exec(readme);
  if (!m) throw new Error(`docs/${action}.md has no <!-- ${kind}:${action} --> table`);
  return m[1]
    .split('\n')
    .filter((l) => /^\|\s*`/.test(l))
    .map((l) => {
      const cells = l
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim());
      const unquote = (c: string) => c.replace(/^`(.*)`$/, '$1');
      return kind === 'inputs' ? { name: unquote(cells[0]), required: cells[1], default: unquote(cells[2] ?? '') } : { name: unquote(cells[0]) };
    });
}

describe.each(actions)('%s', (action) => {
  const yml = readActionYml(action);
  const srcDir = path.join(ROOT, 'src', action);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(srcDir, 'inputs.ts')) as { INPUTS: InputSpecs; OUTPUTS: readonly string[] };

  it('runs on node24 from its committed bundle, with branding', () => {
    expect(yml.runs.using).toBe('node24');
    expect(existsSync(path.resolve(path.dirname(actionYmlPath(action)), yml.runs.main))).toBe(true);
    expect((yml as unknown as { branding?: { icon?: string; color?: string } }).branding?.icon).toBeTruthy();
  });

  it('declares the same inputs, required flags and defaults as its parser', () => {
    const fromYml = Object.entries(yml.inputs ?? {}).map(([name, s]) => ({
      name,
      required: Boolean(s.required),
      default: s.default === undefined ? undefined : String(s.default),
    }));
    const fromParser = Object.entries(mod.INPUTS).map(([name, s]) => ({ name, required: Boolean(s.required), default: s.default }));
    expect(fromYml.sort((a, b) => a.name.localeCompare(b.name))).toEqual(fromParser.sort((a, b) => a.name.localeCompare(b.name)));
    for (const [name, s] of Object.entries(yml.inputs ?? {})) expect({ name, described: Boolean(s.description) }).toEqual({ name, described: true });
  });

  it('declares the same outputs as its parser module', () => {
    expect(Object.keys(yml.outputs ?? {}).sort()).toEqual([...mod.OUTPUTS].sort());
    for (const [name, s] of Object.entries(yml.outputs ?? {})) expect({ name, described: Boolean(s.description) }).toEqual({ name, described: true });
  });

  it('documents the same inputs and outputs in docs/<action>.md', () => {
    const inputs = readmeTable('inputs', action);
    expect(inputs.map((r) => r.name).sort()).toEqual(Object.keys(mod.INPUTS).sort());
    for (const r of inputs) {
      const spec = mod.INPUTS[r.name];
      expect({ name: r.name, required: r.required }).toEqual({ name: r.name, required: spec.required ? 'yes' : 'no' });
      expect({ name: r.name, default: r.default }).toEqual({ name: r.name, default: spec.default ?? '' });
    }
    expect(
      readmeTable('outputs', action)
        .map((r) => r.name)
        .sort(),
    ).toEqual([...mod.OUTPUTS].sort());
  });
});

/**
 * A shared input has one definition: rollout takes helm-deploy's and health-gate's inputs under
 * their names (parsed by their parsers), so its action.yml must describe them the same way,
 * with the same defaults, except the few whose meaning a rollout changes on purpose.
 */
describe('rollout: inputs shared with the actions that own them', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rollout = require(path.join(ROOT, 'src', 'rollout', 'inputs.ts')) as {
    INPUT_OWNERS: readonly string[];
    OWN_DEFAULTS: Record<string, string | undefined>;
    OWN_DESCRIPTIONS: readonly string[];
    NOT_TAKEN: Record<string, readonly string[]>;
  };
  const yml = readActionYml('rollout');
  const owners = rollout.INPUT_OWNERS.map((a) => ({ action: a, inputs: readActionYml(a).inputs ?? {} }));

  it('takes every input of its owners (but the ones a rollout sets itself) and adds only target and steps', () => {
    const taken = owners.flatMap((o) => Object.keys(o.inputs).filter((n) => !rollout.NOT_TAKEN[o.action].includes(n)));
    expect(Object.keys(yml.inputs ?? {}).sort()).toEqual([...new Set(['target', 'steps', ...taken])].sort());
  });

  it.each(owners.flatMap((o) => Object.keys(o.inputs).map((name) => [o.action, name] as const)).filter(([, n]) => n in (yml.inputs ?? {})))(
    '%s %s: same description and default',
    (action, name) => {
      const theirs = readActionYml(action).inputs![name];
      const ours = yml.inputs![name];
      if (!rollout.OWN_DESCRIPTIONS.includes(name)) expect(ours.description).toBe(theirs.description);
      const expected = name in rollout.OWN_DEFAULTS ? rollout.OWN_DEFAULTS[name] : theirs.default;
      expect(ours.default === undefined ? undefined : String(ours.default)).toBe(expected === undefined ? undefined : String(expected));
    },
  );
});
