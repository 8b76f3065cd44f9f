/**
 * The verdict rules, checked after every round of measurements in this order (the first that
 * fires decides, and names itself in the report):
 *   critical-breach          a critical metric's measurement failed         -> fail, at once
 *   failure-limit            failed measurements of a metric > limit         -> fail
 *   consecutive-error-limit  consecutive errors of a metric > limit          -> error
 *   inconclusive-limit       inconclusive measurements of a metric > limit   -> inconclusive
 *                            (a raw counter's first reading, a warm-up, does not count), unless
 *                            failed-measurements or measurement-errors below applies first
 *   consecutive-success-limit (when > 0) every metric has that many successes in a row and
 *                            at least min-samples successful                 -> pass early
 * and after the last measurement (Argo Rollouts' order: failed, then errors, then inconclusive):
 *   count-complete           every metric has >= min-samples successful      -> pass
 *   failed-measurements      a metric short of min-samples has failed ones   -> fail
 *   measurement-errors       a metric short of min-samples has errors        -> error
 *   not-enough-samples       a metric short of min-samples only for lack of
 *                            data (no traffic, empty results)               -> inconclusive
 * Fast to fail, slow to pass: nothing passes before min-samples successful measurements; a
 * measured failure or an outage is never `inconclusive` (which inconclusive-is: pass excuses).
 */
import type { MetricSpec } from '../metrics-spec';
import type { MeasurementStatus, Sample } from './measurement';

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error';

export type RuleId =
  | 'configuration-error'
  | 'http-checks-failed'
  | 'critical-breach'
  | 'failure-limit'
  | 'consecutive-error-limit'
  | 'inconclusive-limit'
  | 'consecutive-success-limit'
  | 'count-complete'
  | 'failed-measurements'
  | 'measurement-errors'
  | 'not-enough-samples'
  | 'no-metric-judged'
  | 'http-checks-passed';

export interface Decision {
  verdict: Verdict;
  rule: RuleId;
  reason: string;
  metric?: string;
}

export interface MetricState {
  spec: MetricSpec;
  samples: Sample[];
  /** Raw counters (counters: true): the reading taken an interval before the first measurement. */
  startReadings?: Sample['readings'];
  /** A CloudWatch alarm of cloudwatch-alarms (spec.critical is true): OK successful, ALARM failed, INSUFFICIENT_DATA inconclusive. */
  alarm?: true;
}

export interface Limits {
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  consecutiveSuccessLimit: number;
  minSamples: number;
}

export function countOf(samples: readonly Sample[], status: MeasurementStatus): number {
  return samples.filter((s) => s.status === status).length;
}

export function trailing(samples: readonly Sample[], status: MeasurementStatus): number {
  let n = 0;
  for (let i = samples.length - 1; i >= 0 && samples[i].status === status; i--) n++;
  return n;
}

function last(samples: readonly Sample[]): Sample | undefined {
  return samples[samples.length - 1];
}

/** The decision after a round, or undefined to keep measuring. `final` is true after the last round. */
export function decide(states: readonly MetricState[], limits: Limits, final: boolean): Decision | undefined {
  for (const { spec, samples } of states) {
    const s = last(samples);
    if (spec.critical && s?.status === 'failed') {
      return {
        verdict: 'fail',
        rule: 'critical-breach',
        metric: spec.name,
        reason: `critical metric '${spec.name}' failed at sample ${s.index + 1}: ${s.reason}`,
      };
    }
  }
  for (const { spec, samples } of states) {
    const failed = countOf(samples, 'failed');
    if (failed > limits.failureLimit) {
      return {
        verdict: 'fail',
        rule: 'failure-limit',
        metric: spec.name,
        reason: `'${spec.name}' failed ${failed} time(s), more than failure-limit ${limits.failureLimit}; last: ${last(samples.filter((x) => x.status === 'failed'))?.reason}`,
      };
    }
  }
  for (const { spec, samples } of states) {
    const errors = trailing(samples, 'error');
    if (errors > limits.consecutiveErrorLimit) {
      return {
        verdict: 'error',
        rule: 'consecutive-error-limit',
        metric: spec.name,
        reason: `'${spec.name}' could not be measured ${errors} times in a row (consecutive-error-limit ${limits.consecutiveErrorLimit}); last: ${last(samples)?.reason}`,
      };
    }
  }
  for (const { spec, samples } of states) {
    const inconclusive = samples.filter((x) => x.status === 'inconclusive' && !x.warmUp).length;
    if (inconclusive > limits.inconclusiveLimit) {
      // Another metric's measured failure or outage is never excused as a lack of data.
      const measured = measuredShortfall(states, limits);
      if (measured) return measured;
      return {
        verdict: 'inconclusive',
        rule: 'inconclusive-limit',
        metric: spec.name,
        reason: `'${spec.name}' was inconclusive ${inconclusive} times, more than inconclusive-limit ${limits.inconclusiveLimit}; last: ${last(samples.filter((x) => x.status === 'inconclusive'))?.reason}`,
      };
    }
  }
  const enough = states.every(({ samples }) => countOf(samples, 'successful') >= limits.minSamples);
  if (limits.consecutiveSuccessLimit > 0 && enough && states.every(({ samples }) => trailing(samples, 'successful') >= limits.consecutiveSuccessLimit)) {
    return {
      verdict: 'pass',
      rule: 'consecutive-success-limit',
      reason: `every metric succeeded ${limits.consecutiveSuccessLimit} times in a row with at least ${limits.minSamples} successful samples`,
    };
  }
  if (!final) return undefined;
  if (enough) {
    const rounds = Math.max(...states.map((s) => s.samples.length));
    return {
      verdict: 'pass',
      rule: 'count-complete',
      reason: `all ${judgedCount(states)} met their conditions over ${rounds} measurements (at least ${limits.minSamples} successful each)`,
    };
  }
  const measured = measuredShortfall(states, limits);
  if (measured) return measured;
  const short = states.filter(({ samples }) => countOf(samples, 'successful') < limits.minSamples);
  const tally = ({ samples }: MetricState) =>
    `${countOf(samples, 'successful')} successful, ${countOf(samples, 'failed')} failed, ${countOf(samples, 'error')} error, ${countOf(samples, 'inconclusive')} without data`;
  const lacking = short[0];
  return {
    verdict: 'inconclusive',
    rule: 'not-enough-samples',
    metric: lacking.spec.name,
    reason: `'${lacking.spec.name}' has only ${countOf(lacking.samples, 'successful')} successful measurement(s), min-samples is ${limits.minSamples}: no data (${tally(lacking)})`,
  };
}

/**
 * Rows 7 and 8 of the table: a metric short of min-samples successes that was measured failing
 * (fail) or could not be measured (error); undefined when every shortfall is a lack of data.
 */
function measuredShortfall(states: readonly MetricState[], limits: Limits): Decision | undefined {
  const short = states.filter(({ samples }) => countOf(samples, 'successful') < limits.minSamples);
  const shortBy = (status: MeasurementStatus) => short.find(({ samples }) => countOf(samples, status) > 0);
  const tally = ({ samples }: MetricState) =>
    `${countOf(samples, 'successful')} successful, ${countOf(samples, 'failed')} failed, ${countOf(samples, 'error')} error, ${countOf(samples, 'inconclusive')} without data`;
  const failed = shortBy('failed');
  if (failed) {
    return {
      verdict: 'fail',
      rule: 'failed-measurements',
      metric: failed.spec.name,
      reason: `'${failed.spec.name}' ended with fewer than min-samples ${limits.minSamples} successful measurements because it was measured failing (${tally(failed)}); last: ${last(failed.samples.filter((x) => x.status === 'failed'))?.reason}`,
    };
  }
  const errored = shortBy('error');
  if (errored) {
    return {
      verdict: 'error',
      rule: 'measurement-errors',
      metric: errored.spec.name,
      reason: `'${errored.spec.name}' ended with fewer than min-samples ${limits.minSamples} successful measurements because it could not be measured (${tally(errored)}); last error: ${last(errored.samples.filter((x) => x.status === 'error'))?.reason}`,
    };
  }
  return undefined;
}

/** Share of successful measurements over all metrics, 0-100 (what Kayenta calls the score); warm-ups do not count. */
export function score(states: readonly MetricState[]): number {
  const all = states.flatMap((s) => s.samples).filter((s) => !s.warmUp);
  if (all.length === 0) return 0;
  return Math.round((100 * countOf(all, 'successful')) / all.length);
}

/** "2 metric(s)", "1 alarm(s)", "2 metric(s) and 1 alarm(s)": what was judged, alarms named as alarms. */
function judgedCount(states: readonly MetricState[]): string {
  const alarms = states.filter((s) => s.alarm).length;
  const metrics = states.length - alarms;
  return [metrics || !alarms ? `${metrics} metric(s)` : '', alarms ? `${alarms} alarm(s)` : ''].filter(Boolean).join(' and ');
}
