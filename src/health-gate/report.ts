/** The gate's report: everything a reviewer or a later step needs to see why, as JSON. */
import type { NotJudgedMetric } from './analysis/baseline-mode';
import type { AnalysisResult } from './analysis/engine';
import { countOf, type Decision } from './analysis/rules';
import type { CloudWatchMetric } from './cloudwatch/types';
import type { HttpCheckResult } from './http-checks';
import type { AnalysisSettings, GateInputs } from './inputs';
import type { TrafficStats } from './traffic';

type ReportedSettings = Omit<AnalysisSettings, 'prometheusUrl' | 'auth' | 'metrics' | 'queryTimeoutMs' | 'awsRegion'>;

function reportedSettings(a: AnalysisSettings): ReportedSettings {
  const { prometheusUrl: _url, auth: _auth, metrics: _metrics, queryTimeoutMs: _timeout, awsRegion: _region, ...settings } = a;
  return settings;
}

export interface GateReport {
  verdict: Decision['verdict'];
  score: number;
  rule: Decision['rule'];
  reason: string;
  metric?: string;
  startedAt: string;
  finishedAt: string;
  http?: HttpCheckResult & { urls: string[]; expectedStatus: string[]; bodyMatch?: string };
  analysis?: {
    /** Set when a metric read Prometheus. */
    prometheusUrl?: string;
    /** Set when CloudWatch (alarms or cloudwatch: metrics) was read. */
    awsRegion?: string;
    /** The analysis settings, without the connection (URL, credentials, timeout) and the metrics listed below. */
    settings: ReportedSettings;
    rounds: number;
    elapsedMs: number;
    metrics: {
      name: string;
      /** Where the values come from: a PromQL query, a CloudWatch GetMetricData query, or a CloudWatch alarm's state. */
      source: 'prometheus' | 'cloudwatch' | 'alarm';
      queries: { query: string; baseline?: string; total?: string; baselineTotal?: string };
      /** CloudWatch metrics: the GetMetricData queries (canary, baseline) as parsed. */
      cloudwatch?: CloudWatchMetric;
      thresholds: { max?: number; min?: number; direction: string };
      critical: boolean;
      noData: string;
      counts: { successful: number; failed: number; inconclusive: number; error: number };
      /** compare-baseline: false: the baseline query the metric has but that was not run. */
      baselineNotRun?: string;
      /** The last comparison with the baseline, if one ran. */
      statistics?: unknown;
      samples: unknown[];
    }[];
    /** compare-baseline: false: metrics left out because nothing but the baseline could judge them. */
    notJudged?: NotJudgedMetric[];
  };
  traffic?: { url: string; rps: number } & TrafficStats;
}

export function buildReport(
  inputs: GateInputs,
  decision: Decision,
  score: number,
  times: { startedMs: number; finishedMs: number },
  http?: HttpCheckResult,
  analysis?: AnalysisResult,
  traffic?: TrafficStats,
  notJudged?: readonly NotJudgedMetric[],
): GateReport {
  const a = inputs.analysis;
  return {
    verdict: decision.verdict,
    score,
    rule: decision.rule,
    reason: decision.reason,
    metric: decision.metric,
    startedAt: new Date(times.startedMs).toISOString(),
    finishedAt: new Date(times.finishedMs).toISOString(),
    http:
      http && inputs.http
        ? { urls: inputs.http.urls, expectedStatus: inputs.http.expectedStatus, bodyMatch: inputs.http.bodyMatch?.source, ...http }
        : undefined,
    analysis:
      a && analysis
        ? {
            prometheusUrl: a.prometheusUrl,
            ...(a.awsRegion !== undefined && { awsRegion: a.awsRegion }),
            settings: reportedSettings(a),
            rounds: analysis.rounds,
            elapsedMs: analysis.elapsedMs,
            metrics: analysis.states.map(({ spec, samples, alarm }) => ({
              name: spec.name,
              source: alarm ? ('alarm' as const) : spec.cloudwatch ? ('cloudwatch' as const) : ('prometheus' as const),
              queries: { query: spec.query, baseline: spec.baseline, total: spec.total, baselineTotal: spec.baselineTotal },
              ...(spec.cloudwatch && { cloudwatch: spec.baseline === undefined ? { canary: spec.cloudwatch.canary } : spec.cloudwatch }),
              ...(!a.compareBaseline && { baselineNotRun: a.metrics.find((m) => m.name === spec.name)?.baseline }),
              thresholds: { max: spec.max, min: spec.min, direction: spec.direction },
              critical: spec.critical,
              noData: spec.noData,
              counts: {
                successful: countOf(samples, 'successful'),
                failed: countOf(samples, 'failed'),
                inconclusive: countOf(samples, 'inconclusive'),
                error: countOf(samples, 'error'),
              },
              statistics: [...samples].reverse().find((s) => s.comparison)?.comparison,
              samples: samples.map((s) => ({ ...s, at: new Date(s.atMs).toISOString() })),
            })),
            ...(!a.compareBaseline && { notJudged: [...(notJudged ?? [])] }),
          }
        : undefined,
    traffic: inputs.traffic && traffic ? { ...inputs.traffic, ...traffic } : undefined,
  };
}
