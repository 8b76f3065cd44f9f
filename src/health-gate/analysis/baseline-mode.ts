/**
 * compare-baseline: false, for a step where stable gets no traffic (a canary at 100 % behind
 * nginx or alb, where every baseline query is empty): the baseline queries are not run and each
 * metric is judged by its absolute max/min alone, as Argo Rollouts and Flagger judge a metric
 * without a baseline. A metric with nothing but the baseline comparison to judge it by is left
 * out and reported as not judged; when no metric is left the verdict is inconclusive (rule
 * no-metric-judged): a gate that judged nothing never passes.
 */
import type { MetricSpec } from '../metrics-spec';
import type { Decision } from './rules';

export interface NotJudgedMetric {
  name: string;
  query: string;
  baseline?: string;
  reason: string;
}

export interface MetricPlan {
  /** The metrics the analysis runs, without their baseline queries when compare-baseline is false. */
  judged: MetricSpec[];
  notJudged: NotJudgedMetric[];
}

export const NOT_COMPARED = 'not compared (compare-baseline: false)';

/** Which metrics the analysis runs, and with which queries. */
export function planMetrics(metrics: readonly MetricSpec[], compareBaseline: boolean): MetricPlan {
  if (compareBaseline) return { judged: [...metrics], notJudged: [] };
  const judged: MetricSpec[] = [];
  const notJudged: NotJudgedMetric[] = [];
  for (const spec of metrics) {
    const { baseline, baselineTotal: _baselineTotal, ...absolute } = spec;
    if (spec.max === undefined && spec.min === undefined) {
      notJudged.push({
        name: spec.name,
        query: spec.query,
        baseline,
        reason: 'it has no max or min, only the baseline comparison, which compare-baseline: false turns off',
      });
    } else {
      judged.push(absolute);
    }
  }
  return { judged, notJudged };
}

/** The decision when compare-baseline: false leaves no metric to judge. */
export function noMetricJudged(notJudged: readonly NotJudgedMetric[]): Decision {
  return {
    verdict: 'inconclusive',
    rule: 'no-metric-judged',
    reason: `compare-baseline is false and no metric has a max or min to judge it by (not judged: ${notJudged.map((m) => `'${m.name}'`).join(', ')}): nothing was checked, so the gate cannot pass`,
  };
}
