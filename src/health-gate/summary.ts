/** The job summary: the verdict in one line, then a table per phase and a chart per metric. */
import { unitOfQuery } from '../toolkit/metric-unit';
import { details, heading, lineChart, table, formatMs } from '../toolkit/summary';
import type { GateReport } from './report';
import type { Sample } from './analysis/measurement';
import { NOT_COMPARED } from './analysis/baseline-mode';

const ICON: Record<GateReport['verdict'], string> = { pass: '✅', fail: '❌', inconclusive: '⚠️', error: '🛑' };

function num(n: number | undefined): string {
  return n === undefined ? '' : Number.isFinite(n) ? String(Number(n.toPrecision(4))) : String(n);
}

type Metric = NonNullable<GateReport['analysis']>['metrics'][number];

function threshold(m: Metric): string {
  return [m.thresholds.min !== undefined ? `≥ ${m.thresholds.min}` : '', m.thresholds.max !== undefined ? `≤ ${m.thresholds.max}` : '']
    .filter(Boolean)
    .join(' and ');
}

function statistic(m: Metric): string {
  const s = m.statistics as { test: string; pValue: number; alpha: number; effectSize: number; worse: boolean } | undefined;
  if (m.baselineNotRun) return NOT_COMPARED;
  if (!m.queries.baseline) return 'no baseline';
  if (!s) return 'not enough samples';
  return `${s.test}: ${num(s.effectSize)}x baseline, p=${s.pValue.toExponential(1)} (α ${s.alpha.toExponential(1)})${s.worse ? ' — worse' : ''}`;
}

function metricStatus(m: Metric, report: GateReport): string {
  if (report.metric === m.name) return `${report.verdict} (${report.rule})`;
  const c = m.counts;
  return `${c.successful} ok, ${c.failed} failed, ${c.inconclusive} inconclusive, ${c.error} error`;
}

function metricDetails(m: Metric): string {
  const samples = m.samples as Sample[];
  const rows = samples.map((s) => [s.index + 1, num(s.value), num(s.baselineValue), s.status, s.reason]);
  const labels = samples.map((s) => String(s.index + 1));
  const series = [{ name: 'canary', values: samples.map((s) => s.value ?? NaN) }];
  if (m.queries.baseline) series.push({ name: 'baseline', values: samples.map((s) => s.baselineValue ?? NaN) });
  // A threshold far above the data would flatten the lines that matter: draw it only when near.
  const top = Math.max(0, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const near = (t: number | undefined): t is number => t !== undefined && Math.abs(t) <= 3 * top;
  if (near(m.thresholds.max)) series.push({ name: `max ${m.thresholds.max}`, values: samples.map(() => m.thresholds.max as number) });
  if (near(m.thresholds.min) && m.thresholds.min !== 0) series.push({ name: `min ${m.thresholds.min}`, values: samples.map(() => m.thresholds.min as number) });
  // Mermaid cannot draw gaps and a missing value drawn at 0 would look like a perfect sample:
  // samples without data are left out of the chart (their numbers are missing on the x axis).
  const missing = labels.filter((_, i) => series.some((line) => !Number.isFinite(line.values[i])));
  const unit = unitOfQuery(m.queries.query, { total: m.queries.total !== undefined });
  const drawn = lineChart(`${m.name}`, labels, series, `${m.name} (${unit})`, { missing: 'skip' });
  const note = missing.length > 0 ? `_Not drawn, no data: sample${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (see the table)._\n\n` : '';
  const chart = drawn ? drawn + note : '';
  return details(`${m.name}: ${samples.length} samples`, chart + table(['#', 'canary', 'baseline', 'status', 'reason'], rows));
}

/** The alarm's last state (the one that decided, if it fired), with its counts over the analysis. */
function alarmRow(m: Metric): (string | number)[] {
  const samples = m.samples as Sample[];
  const lastRead = [...samples].reverse().find((s) => s.alarm);
  const last = samples[samples.length - 1];
  const c = m.counts;
  const state = lastRead?.alarm?.state ?? (last ? `${last.status}` : 'not read');
  const reason = last?.status === 'error' ? last.reason : (lastRead?.alarm?.reason ?? '');
  return [
    `${m.name}${lastRead?.alarm?.type === 'composite' ? ' (composite)' : ''}`,
    `${state === 'ALARM' ? '🔴' : state === 'OK' ? '🟢' : '⚪'} ${state}`,
    reason,
    lastRead?.alarm?.since ?? '',
    `${c.successful} OK, ${c.failed} ALARM, ${c.inconclusive} INSUFFICIENT_DATA, ${c.error} error`,
  ];
}

export function renderSummary(report: GateReport): string {
  let md = heading(`${ICON[report.verdict]} Health gate: ${report.verdict}`);
  md += `**${report.verdict}** by rule \`${report.rule}\`: ${report.reason.replace(/\|/g, '\\|')}  \nScore ${report.score}/100.\n\n`;
  if (report.http) {
    md += heading('Health checks', 3);
    const last = report.http.rounds[report.http.rounds.length - 1];
    md += table(
      ['url', 'last status', 'last time', 'result', 'good rounds'],
      (last?.results ?? []).map((r) => [
        r.url,
        r.status ?? '—',
        formatMs(r.ms),
        r.ok ? 'ok' : r.reason,
        `${report.http?.rounds.filter((x) => x.results.find((y) => y.url === r.url)?.ok).length}/${report.http?.rounds.length}`,
      ]),
    );
  }
  if (report.analysis) {
    const a = report.analysis;
    const alarms = a.metrics.filter((m) => m.source === 'alarm');
    const metrics = a.metrics.filter((m) => m.source !== 'alarm');
    if (alarms.length > 0) {
      md += heading('CloudWatch alarms', 3);
      md += table(['alarm', 'state', 'reason', 'since', 'measurements'], alarms.map(alarmRow));
    }
    if (metrics.length > 0 || (a.notJudged ?? []).length > 0) md += heading('Metrics', 3);
    if (metrics.length > 0 || (a.notJudged ?? []).length > 0)
      md += table(
        ['metric', 'query', 'samples', 'last value', 'threshold', 'vs baseline', 'status'],
        metrics
          .map((m) => {
            const samples = m.samples as Sample[];
            const lastValue = [...samples].reverse().find((s) => s.value !== undefined)?.value;
            return [
              `${m.name}${m.critical ? ' (critical)' : ''}`,
              m.queries.query,
              samples.length,
              num(lastValue),
              threshold(m),
              statistic(m),
              metricStatus(m, report),
            ];
          })
          .concat((a.notJudged ?? []).map((m) => [m.name, m.query, 0, '', '', NOT_COMPARED, `not judged: ${m.reason}`])),
      );
    if (a.settings.compareBaseline === false)
      md += `_compare-baseline: false: baseline queries were not run; each metric was judged by its max/min alone._\n\n`;
    md += metrics.map(metricDetails).join('');
    md += `_${a.rounds} round(s) in ${formatMs(a.elapsedMs)}; interval ${formatMs(a.settings.intervalMs)}, count ${a.settings.count}, min-samples ${a.settings.minSamples}, failure-limit ${a.settings.failureLimit}, inconclusive-limit ${a.settings.inconclusiveLimit}, consecutive-error-limit ${a.settings.consecutiveErrorLimit}, effect-size ${a.settings.effectSize}, confidence ${a.settings.confidence}._\n\n`;
  }
  if (report.traffic)
    md += `_Synthetic traffic: ${report.traffic.sent} requests to ${report.traffic.url} at ${report.traffic.rps}/s (${report.traffic.failed} failed)._\n\n`;
  return md;
}
