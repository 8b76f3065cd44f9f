/**
 * What the log says before the analysis starts, about settings that change how it can judge:
 * the first look at which a comparison can fail, overlapping count windows, raw counters, and
 * CloudWatch periods longer or shorter than the interval.
 */
import { comparisonAlpha } from './analysis/measurement';
import { minSamplesToReject } from './analysis/statistics';
import type { AnalysisSettings } from './inputs';

export interface Note {
  level: 'info' | 'warning';
  text: string;
}

export function analysisNotes(a: AnalysisSettings): Note[] {
  const notes: Note[] = [];
  if (a.metrics.some((m) => m.baseline !== undefined && m.total === undefined)) {
    const alpha = comparisonAlpha({ ...a, looks: a.count - a.minSamples + 1 });
    const needed = minSamplesToReject(alpha);
    const note = `Mann-Whitney comparisons test at alpha ${alpha.toExponential(2)} per look and can first fail with ${needed} samples`;
    if (needed > a.count)
      notes.push({ level: 'warning', text: `${note}, more than count ${a.count}: raise count or lower confidence, or the comparison can never fail` });
    else notes.push({ level: 'info', text: note });
  }
  for (const m of a.metrics) {
    if (m.cumulative)
      notes.push({ level: 'info', text: `'${m.name}': raw counters, read once more an interval before the first measurement; counts are their differences` });
    if (m.countWindowMs !== undefined && m.countWindowMs > a.intervalMs) {
      notes.push({
        level: 'info',
        text: `'${m.name}': its ${m.countWindowMs} ms count window is longer than the ${a.intervalMs} ms interval, so windows overlap; the rate test pools only non-overlapping ones (use a window equal to interval to use every sample)`,
      });
    }
    const periodS = m.cloudwatch?.canary.periodS;
    if (periodS !== undefined && periodS * 1000 > a.intervalMs) {
      notes.push({
        level: 'warning',
        text: `'${m.name}': interval ${a.intervalMs / 1000} s is shorter than the CloudWatch period ${periodS} s, so measurements re-read the same period; each datapoint is counted once (a re-read period is no new data). Set interval to ${periodS}s or more`,
      });
    }
    // Each measurement judges the newest period only: the ones in between are never read.
    if (periodS !== undefined && periodS * 1000 < a.intervalMs && a.count > 1) {
      notes.push({
        level: 'warning',
        text: `'${m.name}': interval ${a.intervalMs / 1000} s is longer than the CloudWatch period ${periodS} s, so each measurement reads only the newest period and the periods between measurements are never judged. Set period to ${Math.ceil(a.intervalMs / 60_000) * 60} (or interval to ${periodS}s)`,
      });
    }
  }
  return notes;
}
