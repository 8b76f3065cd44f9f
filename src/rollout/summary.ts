/**
 * The rollout's job summary: the result in one line, one timeline of every step (weight, start,
 * duration, verdict, the rule that fired) and one chart per metric of canary vs baseline over
 * every analysis, the x labels marking where the weight changed.
 */
import { unitOfQuery } from '../toolkit/metric-unit';
import { formatMs, heading, lineChart, table } from '../toolkit/summary';
import type { RolloutOutcome } from './machine';

const ICON = { promoted: '✅', aborted: '↩️', failed: '🛑' } as const;

function num(n: number | undefined): string {
  return n === undefined ? '' : String(Number(n.toPrecision(4)));
}

/** The metric's unit, from its query in the first health-gate report that has it. */
function unitOf(outcome: RolloutOutcome, metric: string): string {
  for (const a of outcome.analyses) {
    const report = a.verdict.report as { analysis?: { metrics?: { name: string; queries?: { query?: string; total?: string } }[] } } | undefined;
    const m = report?.analysis?.metrics?.find((x) => x.name === metric);
    if (m?.queries) return unitOfQuery(m.queries.query, { total: m.queries.total !== undefined });
  }
  return unitOfQuery(undefined);
}

/** One x position per measurement, over all analyses; the first of each weight is labelled with it. */
export function rolloutChart(outcome: RolloutOutcome, metric: string): string {
  const labels: string[] = [];
  const canary: number[] = [];
  const baseline: number[] = [];
  let anyBaseline = false;
  let lastWeight = -1;
  for (const a of outcome.analyses) {
    const s = a.verdict.series.find((x) => x.metric === metric);
    if (!s) continue;
    s.samples.forEach((p, i) => {
      labels.push(a.weight !== lastWeight && i === 0 ? `${a.weight}% #1` : `#${i + 1}`);
      if (i === 0) lastWeight = a.weight;
      canary.push(p.canary ?? NaN);
      baseline.push(p.baseline ?? NaN);
      anyBaseline ||= p.baseline !== undefined;
    });
  }
  // Where stable had no traffic (compareBaseline false) there is no baseline value: the line
  // follows the canary there, so those measurements still show instead of being skipped.
  const series = anyBaseline
    ? [
        { name: 'canary', values: canary },
        { name: 'baseline', values: baseline.map((b, i) => (Number.isFinite(b) ? b : canary[i])) },
      ]
    : [{ name: 'canary', values: canary }];
  return lineChart(`${metric} over the rollout`, labels, series, `${metric} (${unitOf(outcome, metric)})`, { missing: 'skip' });
}

export function renderSummary(outcome: RolloutOutcome, description: string): string {
  let md = heading(`${ICON[outcome.result]} Rollout ${outcome.result}: ${description}`);
  md += `Reached **${outcome.reachedWeight} %**${outcome.revision ? `; revision ${outcome.revision}` : ''}${outcome.taskDefinitionArn ? `; ${outcome.taskDefinitionArn}` : ''}.`;
  md += outcome.problem ? `  \n${outcome.problem.replace(/\|/g, '\\|')}\n\n` : '\n\n';
  md += heading('Timeline', 3);
  const t0 = outcome.timeline[0]?.startedMs ?? 0;
  md += table(
    ['#', 'step', 'weight', 'start', 'duration', 'verdict', 'rule', 'note'],
    outcome.timeline.map((e) => [
      e.step,
      e.what,
      `${e.weight} %`,
      `+${formatMs(e.startedMs - t0)} (${new Date(e.startedMs).toISOString().slice(11, 19)}Z)`,
      formatMs(e.durationMs),
      e.verdict ?? (e.status === 'done' ? '' : e.status),
      e.rule ?? '',
      e.reason ?? '',
    ]),
  );
  const metrics = [...new Set(outcome.analyses.flatMap((a) => a.verdict.series.map((s) => s.metric)))];
  if (metrics.length > 0) {
    md += heading('Canary vs baseline', 3);
    md += `_x axis: every measurement of every analysis step; "10% #1" marks the first measurement after the weight changed to 10 %. Where stable had no traffic (compareBaseline false) the baseline line follows the canary._\n\n`;
    for (const m of metrics) md += rolloutChart(outcome, m) || `_${m}: fewer than two measurements with data, no chart._\n\n`;
    md += table(
      ['step', 'weight', 'metric', 'canary (last)', 'baseline (last)', 'samples'],
      outcome.analyses.flatMap((a) =>
        a.verdict.series.map((s) => {
          const last = [...s.samples].reverse().find((p) => p.canary !== undefined);
          return [a.step, `${a.weight} %`, s.metric, num(last?.canary), num(last?.baseline), s.samples.length];
        }),
      ),
    );
  }
  return md;
}
