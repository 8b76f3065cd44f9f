/** How the demo shows a step: its outputs as the runner recorded them, then its job summary. */
import type { StepResult } from '../../test/harness/run-action';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const red = (s: string) => (process.stdout.isTTY ? `\x1b[1;31m${s}\x1b[0m` : s);

export function banner(title: string): void {
  console.log(`\n${bold(`━━ ${title} ${'━'.repeat(Math.max(3, 76 - title.length))}`)}`);
}

export function loud(message: string): void {
  const line = '!'.repeat(78);
  console.log(red(`${line}\n!! ${message}\n${line}`));
}

const recap: { name: string; exitCode: number; key: string }[] = [];
const KEY_OUTPUTS = ['digest', 'verdict', 'status', 'canary-weight', 'bytes-copied', 'plan', 'result', 'reached-weight', 'task-definition-arn'];

/** Prints what a person looks at after the step: exit code, outputs, errors, summary. */
export function showStep(name: string, r: StepResult): void {
  const key = KEY_OUTPUTS.filter((k) => r.outputs[k]).map((k) => `${k}=${r.outputs[k].length > 80 ? `${r.outputs[k].slice(0, 80)}…` : r.outputs[k]}`);
  recap.push({ name, exitCode: r.exitCode, key: key.join('  ') });
  console.log(`${bold(name)}: exit code ${r.exitCode}`);
  const outputs = Object.entries(r.outputs);
  if (outputs.length > 0) {
    console.log(bold('outputs'));
    for (const [k, v] of outputs) {
      const shown = v.length > 300 ? `${v.slice(0, 300)}… (${v.length} characters)` : v;
      console.log(`  ${k} = ${shown.replace(/\n/g, '\n    ')}`);
    }
  }
  for (const e of r.errors) console.log(red(`  ::error:: ${e}`));
  if (r.summary.trim()) {
    console.log(bold('job summary'));
    console.log(r.summary.trim().replace(/^/gm, '  │ '));
  }
}

/** One line per step, at the end of the demo. */
export function showRecap(): void {
  if (recap.length === 0) return;
  banner('Recap');
  console.log(`exit  ${'step'.padEnd(52)} key outputs`);
  for (const r of recap) console.log(`${String(r.exitCode).padStart(4)}  ${r.name.padEnd(52)} ${r.key}`);
}
