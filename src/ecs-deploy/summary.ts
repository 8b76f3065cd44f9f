/**
 * The job summary a reviewer reads first: service and cluster, old -> new task definition with
 * the image digest per container, strategy, the deployment's lifecycle timeline with times,
 * task counts, stopped tasks with ECS's reasons, alarms, and the migration task's exit code
 * and last log lines.
 */
import { cell, codeBlock, heading, table } from '../toolkit/summary';
import type { MigrationResult } from './migration';
import { pausedAt, type DeploymentOutcome } from './outcome';
import { imageDigest } from './task-definition';

export interface SummaryInput {
  action: string;
  cluster: string;
  service: string;
  strategy: string;
  /** e.g. "strategy ROLLING -> CANARY" lines from the configuration change. */
  configChanges: string[];
  previousTaskDefinitionArn?: string;
  taskDefinitionArn?: string;
  oldContainers: { name: string; image: string }[];
  newContainers: { name: string; image: string }[];
  outcome?: DeploymentOutcome;
  migration?: MigrationResult;
  /** Set when the step ended with an error before or outside the deployment. */
  error?: string;
  startedAt: number;
}

const ICON: Record<string, string> = { succeeded: '✅', paused: '⏸️', 'rolled-back': '↩️', failed: '❌', 'timed-out': '⏱️', superseded: '⏭️' };

const iso = (ms: number | undefined) =>
  ms === undefined
    ? ''
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');

export function deploySummary(s: SummaryInput): string {
  const result = s.outcome?.result ?? (s.migration && s.migration.result !== 'succeeded' ? s.migration.result : 'failed');
  let md = heading(`${ICON[result] ?? ''} ECS ${s.action}: ${s.service} in ${s.cluster}: ${result}`);
  const o = s.outcome;
  const rows: unknown[][] = [
    ['service / cluster', `${s.service} / ${s.cluster}`],
    ['task definition', `${s.previousTaskDefinitionArn ?? '?'} -> ${s.taskDefinitionArn ?? '(none registered)'}`],
    ['strategy', s.strategy + (s.configChanges.length ? ` (${s.configChanges.join('; ')})` : '')],
  ];
  if (o) {
    rows.push(['deployment', o.deploymentId]);
    if (o.rawStatus) rows.push(['ECS / CodeDeploy status', `${o.rawStatus}${o.statusReason ? `: ${o.statusReason}` : ''}`]);
    if (o.hookId) rows.push(['paused at', `${pausedAt(o)} (hook ${o.hookId}): run action: continue with decision: continue or rollback`]);
    if (o.rollbackReason) rows.push(['rollback reason', o.rollbackReason]);
    if (o.supersededBy) rows.push(['superseded by', o.supersededBy]);
    if (o.desiredCount !== undefined) rows.push(['tasks', `${o.runningCount ?? 0} running, ${o.pendingCount ?? 0} pending, ${o.desiredCount} desired`]);
    rows.push(['polls', `${o.polls} polls, ${o.pollCalls} AWS calls while waiting`]);
  }
  if (s.error) rows.push(['error', s.error]);
  md += table(['deployment', 'value'], rows);

  const oldBy = new Map(s.oldContainers.map((c) => [c.name, c.image]));
  if (s.newContainers.length) {
    md += heading('Containers', 3);
    md += table(
      ['container', 'before', 'after', 'digest'],
      s.newContainers.map((c) => {
        const before = oldBy.get(c.name) ?? '';
        return [c.name, before === c.image ? '(unchanged)' : before, c.image, imageDigest(c.image) ?? 'not pinned by digest'];
      }),
    );
  }

  if (o?.timeline.length) {
    md += heading('Timeline', 3);
    const t0 = o.timeline[0].at;
    md += table(
      ['time (UTC)', '+s', 'status', 'lifecycle stage', 'production traffic'],
      o.timeline.map((e) => [
        iso(e.at),
        ((e.at - t0) / 1000).toFixed(1),
        e.status,
        e.stage ?? '',
        e.productionWeight === undefined ? '' : `${e.productionWeight}%`,
      ]),
    );
  }

  if (o && (o.alarms.length || o.triggeredAlarms.length)) {
    md += heading('Alarms', 3);
    const all = [...new Set([...o.alarms, ...o.triggeredAlarms])];
    md += table(
      ['alarm', 'triggered the rollback'],
      all.map((a) => [a, o.triggeredAlarms.includes(a) ? 'yes' : 'no']),
    );
  }
  if (o?.circuitBreaker && o.circuitBreaker.status && o.circuitBreaker.status !== 'DISABLED') {
    md += `Circuit breaker: ${cell(o.circuitBreaker.status)}, ${o.circuitBreaker.failureCount ?? 0} failed tasks of threshold ${o.circuitBreaker.threshold ?? '?'}\n\n`;
  }

  if (o?.stoppedTasks.length) {
    md += heading('Stopped tasks of the new task definition', 3);
    md += table(
      ['task', 'stopped at (UTC)', 'stop code', 'stopped reason', 'exit codes'],
      o.stoppedTasks.map((t) => [
        t.taskArn.split('/').pop(),
        iso(t.stoppedAt),
        t.stopCode ?? '',
        t.stoppedReason ?? '',
        t.exitCodes.map((e) => `${e.container}=${e.exitCode ?? '?'}`).join(', '),
      ]),
    );
  }

  const m = s.migration;
  if (m) {
    md += heading('Pre-deploy task', 3);
    md += table(
      ['task', 'container', 'command', 'result', 'exit code', 'stopped reason', 'took'],
      [
        [
          m.taskArn.split('/').pop(),
          m.container,
          JSON.stringify(m.command),
          m.result,
          m.exitCode ?? '',
          m.stoppedReason ?? m.lastStatus ?? '',
          `${((m.endedAt - m.startedAt) / 1000).toFixed(1)} s`,
        ],
      ],
    );
    md += `Last log lines (${cell(m.logSource)}):\n\n` + codeBlock(m.logLines.length ? m.logLines.join('\n') : '(none)');
  }
  return md;
}
