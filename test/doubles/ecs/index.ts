/**
 * TEST DOUBLE of Amazon ECS and AWS CodeDeploy (no ECS can run here): one loopback HTTP server
 * speaking AWS JSON 1.1 for both, stateful, on an accelerated clock, with scenario switches.
 * Point the real SDK at it with `env` (AWS_ENDPOINT_URL_ECS / AWS_ENDPOINT_URL_CODEDEPLOY).
 * A one-off task's log lines go to CloudWatch Logs in moto (a real emulator) when `logsEnv`
 * is given, under the container's awslogs group and `<prefix>/<container>/<task id>` stream.
 */
import { ecsHandler } from './ecs-handlers';
import { CodeDeployModel, type DeploymentGroupSeed } from './codedeploy-double';
import { EcsModel, REGION, type TaskDefinitionRecord, type TaskRecord } from './ecs-model';
import { AwsError, startJsonServer, type RecordedCall } from './protocol';
import type { Scenario } from './plans';

export type { Scenario } from './plans';
export type { RecordedCall } from './protocol';
export { AwsError } from './protocol';
export { ACCOUNT, REGION } from './ecs-model';
export { CIRCUIT_BREAKER_REASON, ALARM_REASON } from './plans';

export interface EcsDoubleOptions {
  scenario?: Scenario;
  /** Milliseconds per lifecycle stage (default 120). */
  stageMs?: number;
  /** Milliseconds per minute of bake time (default 20). */
  minuteMs?: number;
  /** moto's environment (startMoto().env): where migration logs are written. */
  logsEnv?: Record<string, string>;
}

export interface EcsDouble {
  url: string;
  /** Environment for a process (or in-process SDK) that should reach this double. */
  env: Record<string, string>;
  calls: RecordedCall[];
  ecs: EcsModel;
  codedeploy: CodeDeployModel;
  setScenario(s: Scenario): void;
  seedService: EcsModel['seedService'];
  seedDeploymentGroup(g: DeploymentGroupSeed): void;
  /** Calls of one operation (e.g. 'DescribeServiceDeployments'). */
  callsOf(operation: string): RecordedCall[];
  /** Refuse calls as ECS would (an AWS error shape) wherever `refuse` returns one; undefined answers normally. */
  refuseWhen(refuse: ((call: RecordedCall) => AwsError | undefined) | undefined): void;
  stop(): Promise<void>;
}

/** Log lines a migration container prints (Rails-style), by outcome. */
function migrationLines(command: string[], exitCode: number): string[] {
  const head = [`$ ${command.join(' ')}`, '== 20261130101500 AddStatusToOrders: migrating =======================', '-- add_column(:orders, :status, :string)'];
  return exitCode === 0
    ? [...head, '   -> 0.0123s', '== 20261130101500 AddStatusToOrders: migrated (0.0125s) ==============', 'Migrations complete: 1 applied']
    : [
        ...head,
        'rake aborted!',
        'StandardError: An error has occurred, this and all later migrations canceled:',
        'PG::DuplicateColumn: ERROR:  column "status" of relation "orders" already exists',
      ];
}

async function writeLogs(env: Record<string, string>, task: TaskRecord, td: TaskDefinitionRecord, exitCode: number): Promise<void> {
  const { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const client = new CloudWatchLogsClient({
    region: env.AWS_REGION ?? REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'testing', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'testing' },
  });
  const overrides = (task.overrides?.containerOverrides as { name: string; command?: string[] }[] | undefined) ?? [];
  for (const c of (td.body.containerDefinitions as {
    name: string;
    command?: string[];
    logConfiguration?: { logDriver?: string; options?: Record<string, string> };
  }[]) ?? []) {
    const o = c.logConfiguration?.options;
    if (c.logConfiguration?.logDriver !== 'awslogs' || !o?.['awslogs-group']) continue;
    const command = overrides.find((x) => x.name === c.name)?.command ?? c.command ?? ['/app/start'];
    const group = o['awslogs-group'];
    const stream = `${o['awslogs-stream-prefix'] ?? c.name}/${c.name}/${task.taskArn.split('/').pop()}`;
    await client.send(new CreateLogGroupCommand({ logGroupName: group })).catch(() => undefined);
    await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch(() => undefined);
    const t0 = Date.now();
    const lines = overrides.some((x) => x.name === c.name) ? migrationLines(command, exitCode) : ['sidecar started'];
    await client.send(
      new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: lines.map((message, i) => ({ timestamp: t0 + i, message })) }),
    );
  }
  client.destroy();
}

export async function startEcsDouble(opts: EcsDoubleOptions = {}): Promise<EcsDouble> {
  let scenario: Scenario = opts.scenario ?? 'healthy';
  const stageMs = opts.stageMs ?? 120;
  const pendingLogs: Promise<void>[] = [];
  const ecs = new EcsModel({
    stageMs,
    minuteMs: opts.minuteMs ?? 20,
    scenario: () => scenario,
    onTaskRunning: (task, td, exitCode) => {
      if (!opts.logsEnv) return undefined;
      const writing = writeLogs(opts.logsEnv, task, td, exitCode).catch((e: unknown) => {
        process.stderr.write(`ecs double: could not write log lines to moto: ${String(e)}\n`);
      });
      pendingLogs.push(writing);
      return writing;
    },
  });
  const codedeploy = new CodeDeployModel(ecs, { stageMs, scenario: () => scenario });
  let throttleCount = 0;
  let refuse: ((call: RecordedCall) => AwsError | undefined) | undefined;
  const server = await startJsonServer({ ecs: ecsHandler(ecs), codedeploy: codedeploy.handler() }, (call) => {
    const refusal = refuse?.(call);
    if (refusal) throw refusal;
    // Throttling: every other read is refused the way ECS does ("Rate exceeded"); the SDK retries.
    if (scenario === 'throttle' && /^Describe|^List|^GetDeployment$/.test(call.operation) && throttleCount++ % 2 === 0) {
      throw new AwsError('ThrottlingException', 'Rate exceeded');
    }
  });
  return {
    url: server.url,
    env: {
      AWS_ENDPOINT_URL_ECS: server.url,
      AWS_ENDPOINT_URL_CODEDEPLOY: server.url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    calls: server.calls,
    ecs,
    codedeploy,
    setScenario: (s) => {
      scenario = s;
    },
    seedService: (input) => ecs.seedService(input),
    seedDeploymentGroup: (g) => codedeploy.seedGroup(g),
    callsOf: (operation) => server.calls.filter((c) => c.operation === operation),
    refuseWhen: (fn) => {
      refuse = fn;
    },
    stop: async () => {
      await Promise.all(pendingLogs);
      await server.close();
    },
  };
}
