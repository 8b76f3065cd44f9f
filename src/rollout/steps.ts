/**
 * The `steps` input: a YAML list in Argo Rollouts' vocabulary
 * (https://argoproj.github.io/argo-rollouts/features/canary/):
 *   - setWeight: 10                      canary traffic, percent (0-100, strictly increasing)
 *   - pause: {duration: 2m}              wait (a pause without a duration waits for a person in
 *                                        Argo; an action cannot, so it is refused)
 *   - analysis: {count: 5, metrics: [error-rate], compareBaseline: false}
 *   - preview / promote                  blue/green switch points (promote may also end a canary)
 * Inline YAML or the path of a file holding it. Validated before anything is deployed; every
 * error names the step (1-based) and the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError } from '../toolkit/errors';
import { parseDuration } from '../toolkit/inputs';

export type RolloutKind = 'canary' | 'blue-green';

/** One analysis step's overrides of the analysis inputs (undefined: the input's value). */
export interface AnalysisOverrides {
  /** Measurements to take (health-gate's count). */
  count?: number;
  /** Names from the `metrics` input to judge; undefined: all of them. */
  metrics?: string[];
  /** false: metrics judged by max/min alone (stable gets no traffic, e.g. at 100 %). */
  compareBaseline?: boolean;
}

export type Step =
  | { kind: 'setWeight'; index: number; weight: number }
  | { kind: 'pause'; index: number; durationMs: number }
  | { kind: 'analysis'; index: number; overrides: AnalysisOverrides }
  | { kind: 'preview'; index: number }
  | { kind: 'promote'; index: number };

/** What the analysis inputs offer, so a step is checked against it before anything runs. */
export interface AnalysisOffer {
  /** Names in the `metrics` input, with whether each has a max or min (judgeable without a baseline). */
  metrics: { name: string; absolute: boolean }[];
  /** Whether anything besides metrics judges a step (health URLs, alarms). */
  otherChecks: boolean;
  /** Default compare-baseline. */
  compareBaseline: boolean;
}

const INPUT = 'steps';
const KEYS = ['setWeight', 'pause', 'analysis', 'preview', 'promote'] as const;
const ANALYSIS_KEYS = ['count', 'metrics', 'compareBaseline'] as const;

function fail(problem: string, fix: string): never {
  throw new InputError(INPUT, problem, fix);
}

/** Inline YAML, or a path (relative to the workspace) to a file holding it. */
export function readStepsText(value: string, workspace: string): string {
  const v = value.trim();
  if (v === '') fail('is empty', 'List the steps, e.g. "- setWeight: 10" / "- analysis: {count: 5}" / "- setWeight: 100"');
  const looksInline = v.includes('\n') || v.startsWith('-') || v.startsWith('[');
  if (looksInline) return v;
  const file = path.resolve(workspace, v);
  if (!existsSync(file))
    fail(`'${v}' is neither a YAML list of steps nor an existing file`, 'Give the steps inline ("- setWeight: 10" ...) or a path relative to the workspace');
  return readFileSync(file, 'utf8');
}

function scalarOf(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

function readStep(item: Node | null, n: number, where: (node: unknown) => string): Step {
  const at = `step ${n}${where(item)}`;
  if (isScalar(item) && typeof item.value === 'string') {
    if (item.value === 'preview' || item.value === 'promote') return { kind: item.value, index: n };
    fail(`${at} is '${item.value}', not a step`, `Write a step as a one-key map: ${KEYS.join(', ')}`);
  }
  if (!isMap(item) || item.items.length !== 1) {
    const keys = isMap(item) ? item.items.map((p) => String(scalarOf(p.key))).join(', ') : '';
    fail(
      `${at} ${keys ? `has ${item && isMap(item) ? item.items.length : 0} keys (${keys})` : 'is not a one-key map'}`,
      `Give each step exactly one of ${KEYS.join(', ')}`,
    );
  }
  const pair = item.items[0];
  const key = String(scalarOf(pair.key));
  const value = pair.value as Node | null;
  switch (key) {
    case 'setWeight': {
      const w = scalarOf(value);
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100)
        fail(`${at}: setWeight is ${JSON.stringify(w)}, not a whole percentage 0-100`, 'Write e.g. setWeight: 10');
      return { kind: 'setWeight', index: n, weight: w };
    }
    case 'pause': {
      const body = isMap(value) ? value : undefined;
      const other = body?.items.map((p) => String(scalarOf(p.key))).find((k) => k !== 'duration');
      if (other) fail(`${at}: pause has unknown key '${other}'`, 'A pause takes only duration, e.g. pause: {duration: 2m}');
      const d = body ? scalarOf(body.get('duration', true)) : undefined;
      if (d === undefined || d === null)
        fail(
          `${at}: pause has no duration (in Argo Rollouts that waits for a person; a workflow step cannot)`,
          'Give pause: {duration: 2m}, or put an approval job before the rollout',
        );
      const ms = typeof d === 'number' ? d * 1000 : parseDuration(INPUT, String(d));
      if (!(ms > 0)) fail(`${at}: pause duration ${JSON.stringify(d)} is not positive`, 'Give pause: {duration: 30s}');
      return { kind: 'pause', index: n, durationMs: ms };
    }
    case 'analysis': {
      const v = scalarOf(value);
      if (v !== null && v !== undefined && !isMap(value))
        fail(`${at}: analysis is ${JSON.stringify(v)}, not a map`, 'Write analysis: {} or analysis: {count: 5, metrics: [error-rate]}');
      const overrides: AnalysisOverrides = {};
      for (const p of isMap(value) ? value.items : []) {
        const k = String(scalarOf(p.key));
        const pv = p.value as Node | null;
        if (k === 'count') {
          const c = scalarOf(pv);
          if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 10_000)
            fail(`${at}: analysis count is ${JSON.stringify(c)}, not a whole number 1-10000`, 'Write e.g. count: 5');
          overrides.count = c;
        } else if (k === 'metrics') {
          if (!isSeq(pv) || pv.items.some((m) => typeof scalarOf(m) !== 'string'))
            fail(`${at}: analysis metrics is not a list of metric names`, 'Write e.g. metrics: [error-rate, p99-latency]');
          overrides.metrics = pv.items.map((m) => String(scalarOf(m)));
        } else if (k === 'compareBaseline') {
          const b = scalarOf(pv);
          if (typeof b !== 'boolean') fail(`${at}: analysis compareBaseline is ${JSON.stringify(b)}, not true or false`, 'Write compareBaseline: false');
          overrides.compareBaseline = b;
        } else {
          fail(`${at}: analysis has unknown key '${k}'`, `An analysis step takes ${ANALYSIS_KEYS.join(', ')}; other settings come from the analysis inputs`);
        }
      }
      return { kind: 'analysis', index: n, overrides };
    }
    case 'preview':
    case 'promote': {
      const v = scalarOf(value);
      if (v !== null && v !== undefined && !(isMap(value) && value.items.length === 0)) fail(`${at}: ${key} takes no settings`, `Write - ${key}`);
      return { kind: key, index: n };
    }
    default:
      fail(`${at}: unknown key '${key}'`, `Use one of ${KEYS.join(', ')} (Argo Rollouts' names, case-sensitive)`);
  }
}

/** Parses the list; shape only (see validateSteps for the rules between steps). */
export function parseSteps(text: string): Step[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    fail(`is not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}: ${e.message.split('\n')[0]}`, 'Write a YAML list, one step per item');
  }
  const where = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? ` (line ${lines.linePos(range[0]).line})` : '';
  };
  if (!isSeq(doc.contents)) fail('is not a YAML list', 'Write one step per item: "- setWeight: 10"');
  const steps = doc.contents.items.map((item, i) => readStep(item as Node | null, i + 1, where));
  if (steps.length === 0) fail('is an empty list', 'Give at least one step');
  return steps;
}

/** The rules between steps, for the strategy the deploy inputs chose. */
export function validateSteps(steps: readonly Step[], kind: RolloutKind, offer: AnalysisOffer | undefined): void {
  let lastWeight = -1;
  let seenPreview = false;
  let seenDeploy = false;
  const names = new Set(offer?.metrics.map((m) => m.name) ?? []);
  steps.forEach((s, i) => {
    const at = `step ${s.index}`;
    const isLast = i === steps.length - 1;
    if (s.kind === 'setWeight') {
      if (kind === 'blue-green')
        fail(`${at}: setWeight does not apply to blue-green, which switches all traffic at once`, 'Use preview, analysis and promote, or strategy: canary');
      if (s.weight <= lastWeight)
        fail(`${at}: setWeight ${s.weight} is not above the previous weight ${lastWeight}`, 'Weights must strictly increase, e.g. 10, 50, 100');
      lastWeight = s.weight;
      seenDeploy = true;
    } else if (s.kind === 'preview') {
      if (kind === 'canary') fail(`${at}: preview applies to blue-green only`, 'Use setWeight steps for a canary, or strategy: blue-green');
      if (seenPreview) fail(`${at}: a second preview`, 'Give one preview (the new colour before the switch)');
      if (seenDeploy) fail(`${at}: preview after promote`, 'Put preview before promote');
      seenPreview = true;
    } else if (s.kind === 'promote') {
      if (kind === 'canary' && !isLast)
        fail(`${at}: promote must be the last step of a canary`, 'Move promote to the end, or remove it (setWeight: 100 ends the canary too)');
      if (kind === 'blue-green' && seenDeploy) fail(`${at}: a second promote`, 'Give promote once');
      seenDeploy = true;
    } else if (s.kind === 'analysis') {
      if (kind === 'canary' && !seenDeploy) fail(`${at}: analysis before the first setWeight has no canary to judge`, 'Put a setWeight step first');
      if (kind === 'blue-green' && !seenDeploy && !seenPreview)
        fail(`${at}: analysis before preview or promote has no new version to judge`, 'Put preview (or promote) first');
      checkAnalysis(s.overrides, at, offer, names);
    }
  });
  if (kind === 'canary') {
    const promoted = steps[steps.length - 1].kind === 'promote';
    if (lastWeight < 0 && !promoted) fail('has no setWeight step', 'A canary needs at least one setWeight, e.g. 10, then 100');
    if (lastWeight !== 100 && !promoted) fail(`ends at weight ${lastWeight}, not 100`, 'End with setWeight: 100, or with an explicit promote step');
  } else if (!steps.some((s) => s.kind === 'promote')) {
    fail('has no promote step', 'A blue/green rollout needs promote (the switch of all traffic to the new colour)');
  }
}

function checkAnalysis(o: AnalysisOverrides, at: string, offer: AnalysisOffer | undefined, names: Set<string>): void {
  if (!offer) fail(`${at}: analysis, but no analysis inputs are set`, 'Set metrics (with prometheus-url) or urls, the checks an analysis step runs');
  for (const m of o.metrics ?? []) {
    if (!names.has(m))
      fail(
        `${at}: analysis names metric '${m}', which the metrics input does not define`,
        `Use one of: ${[...names].join(', ') || '(none: set the metrics input)'}`,
      );
  }
  const chosen = offer.metrics.filter((m) => o.metrics === undefined || o.metrics.includes(m.name));
  const compareBaseline = o.compareBaseline ?? offer.compareBaseline;
  const judged = compareBaseline ? chosen : chosen.filter((m) => m.absolute);
  if (judged.length === 0 && !offer.otherChecks) {
    const why = chosen.length > 0 ? 'with compareBaseline false its metrics have no max or min' : 'it names no metric and no urls or alarms are set';
    fail(`${at}: analysis has nothing to judge (${why})`, 'Name metrics with a max/min, set urls, or remove the step');
  }
}

/** One line per step, for logs and the summary's timeline. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'setWeight':
      return `setWeight ${s.weight}`;
    case 'pause':
      return `pause ${Math.round(s.durationMs / 1000)}s`;
    case 'analysis': {
      const o = s.overrides;
      const parts = [
        o.count !== undefined && `count ${o.count}`,
        o.metrics && `metrics ${o.metrics.join(', ')}`,
        o.compareBaseline === false && 'max/min only',
      ].filter(Boolean);
      return `analysis${parts.length ? ` (${parts.join('; ')})` : ''}`;
    }
    default:
      return s.kind;
  }
}
