/**
 * The pre-deploy one-off task (database migrations): RunTask of the new task definition with
 * one container's command overridden, on the service's network configuration and launch type,
 * followed by DescribeTasks until STOPPED. Done only when the task STOPPED and every
 * essential container exited 0 (a running or non-zero task is never "done"). Its last log
 * lines come from CloudWatch Logs (GetLogEvents) through the container's awslogs options:
 * stream `<awslogs-stream-prefix>/<container>/<task id>`, as the ECS developer guide gives it.
 */
import { randomUUID } from 'node:crypto';
import type { Service } from '@aws-sdk/client-ecs';
import { ServiceError } from '../toolkit/errors';
import { scrubServiceText } from '../toolkit/secrets';
import { awsErrorText, type LogsApi } from './aws';
import type { EcsContext } from './service-deployment';
import type { TaskDefinitionJson } from './task-definition';

export interface MigrationResult {
  result: 'succeeded' | 'failed' | 'timed-out';
  taskArn: string;
  container: string;
  command: string[];
  exitCode?: number;
  stoppedReason?: string;
  lastStatus?: string;
  /** Last log lines of the container (up to 20), oldest first. */
  logLines: string[];
  /** Where the lines were read, or why none were. */
  logSource: string;
  startedAt: number;
  endedAt: number;
}

export interface MigrationRequest {
  taskDefinitionArn: string;
  taskDefinition: TaskDefinitionJson;
  container: string;
  command: string[];
  service: Service;
  /** Deadline (ms epoch) for the task to stop. */
  deadline: number;
  pollIntervalMs: number;
  /** Loads CloudWatch Logs for a region (dynamic import on first use). */
  logs: (region: string | undefined) => Promise<LogsApi>;
}

export async function runMigration(ctx: EcsContext, req: MigrationRequest): Promise<MigrationResult> {
  const s = req.service;
  const startedAt = ctx.clock.now();
  let run;
  try {
    run = await ctx.ecs.runTask({
      cluster: ctx.cluster,
      taskDefinition: req.taskDefinitionArn,
      count: 1,
      startedBy: 'shipline-ecs-deploy',
      group: `shipline:pre-deploy:${ctx.service}`.slice(0, 255),
      clientToken: randomUUID(),
      ...(s.capacityProviderStrategy?.length ? { capacityProviderStrategy: s.capacityProviderStrategy } : { launchType: s.launchType ?? 'FARGATE' }),
      ...(s.platformVersion ? { platformVersion: s.platformVersion } : {}),
      ...(s.networkConfiguration ? { networkConfiguration: s.networkConfiguration } : {}),
      overrides: { containerOverrides: [{ name: req.container, command: req.command }] },
    });
  } catch (err) {
    throw new ServiceError(
      'Amazon ECS',
      `RunTask (pre-deploy command) failed: ${scrubServiceText(awsErrorText(err))}`,
      'Check ecs:RunTask and iam:PassRole for the task roles',
    );
  }
  const task = run.tasks?.[0];
  if (!task?.taskArn) {
    const why = run.failures?.map((f) => `${f.reason ?? ''} ${f.detail ?? ''}`.trim()).join('; ') || 'no task started';
    throw new ServiceError(
      'Amazon ECS',
      `RunTask (pre-deploy command) started no task: ${scrubServiceText(why)}`,
      'Check the cluster capacity and the service network configuration',
    );
  }
  const taskArn = task.taskArn;
  ctx.reporter.info(`Pre-deploy task ${taskArn} started: ${req.container} runs ${JSON.stringify(req.command)}`);
  let lastStatus = task.lastStatus;
  let described = task;
  for (;;) {
    const now = ctx.clock.now();
    if (lastStatus === 'STOPPED') break;
    if (now >= req.deadline) {
      ctx.reporter.warning(
        `Pre-deploy task ${taskArn} is still ${lastStatus} at the end of the wait; it is left running (stopping a migration half way is worse)`,
      );
      return {
        result: 'timed-out',
        taskArn,
        container: req.container,
        command: req.command,
        lastStatus,
        logLines: [],
        logSource: 'not read (task still running)',
        startedAt,
        endedAt: now,
      };
    }
    await ctx.clock.sleep(Math.min(req.pollIntervalMs, req.deadline - now));
    try {
      const r = await ctx.ecs.describeTasks({ cluster: ctx.cluster, tasks: [taskArn] });
      const t = r.tasks?.[0];
      if (!t) throw new ServiceError('Amazon ECS', `DescribeTasks does not know the pre-deploy task ${taskArn}`);
      if (t.lastStatus !== lastStatus) ctx.reporter.info(`${new Date(ctx.clock.now()).toISOString()} pre-deploy task ${t.lastStatus}`);
      lastStatus = t.lastStatus;
      described = t;
    } catch (err) {
      if (err instanceof ServiceError) throw err;
      ctx.reporter.warning(`DescribeTasks failed (${scrubServiceText(awsErrorText(err))}); polling again`);
    }
  }
  const tdContainers = req.taskDefinition.containerDefinitions ?? [];
  const essential = new Set(tdContainers.filter((c) => c.essential !== false).map((c) => c.name));
  const exits = (described.containers ?? []).map((c) => ({ name: c.name ?? '', exitCode: c.exitCode }));
  const target = exits.find((c) => c.name === req.container);
  const bad = exits.filter((c) => (essential.has(c.name) || c.name === req.container) && c.exitCode !== 0);
  const { lines, source } = await lastLogLines(ctx, req, taskArn);
  return {
    result: bad.length === 0 && target?.exitCode === 0 ? 'succeeded' : 'failed',
    taskArn,
    container: req.container,
    command: req.command,
    exitCode: target?.exitCode,
    stoppedReason: described.stoppedReason,
    lastStatus,
    logLines: lines,
    logSource: source,
    startedAt,
    endedAt: ctx.clock.now(),
  };
}

async function lastLogLines(ctx: EcsContext, req: MigrationRequest, taskArn: string): Promise<{ lines: string[]; source: string }> {
  const c = req.taskDefinition.containerDefinitions?.find((x) => x.name === req.container);
  const o = c?.logConfiguration?.options;
  if (c?.logConfiguration?.logDriver !== 'awslogs' || !o?.['awslogs-group'])
    return { lines: [], source: `container '${req.container}' has no awslogs log configuration` };
  const group = o['awslogs-group'];
  const stream = `${o['awslogs-stream-prefix'] ?? ''}/${req.container}/${taskArn.split('/').pop() ?? ''}`;
  const source = `CloudWatch Logs ${group} ${stream}`;
  try {
    const logs = await req.logs(o['awslogs-region']);
    const r = await logs.getLogEvents({ logGroupName: group, logStreamName: stream, limit: 20, startFromHead: false });
    return { lines: (r.events ?? []).map((e) => scrubServiceText(e.message ?? '')), source };
  } catch (err) {
    ctx.reporter.warning(`Could not read the pre-deploy task's logs from ${source}: ${scrubServiceText(awsErrorText(err))}`);
    return { lines: [], source: `${source} (unreadable)` };
  }
}
