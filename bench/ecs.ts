/**
 * `npm run bench:ecs`: how soon the step knows, and what waiting costs, against the ECS test
 * double (real SDK clients over AWS JSON 1.1 on loopback, accelerated clock).
 *
 * Both sides are library calls in this process, started right after the same UpdateService:
 * - Shipline: `waitForPauseOrEnd` (DescribeServiceDeployments on the service deployment ARN,
 *   one call per poll, poll-interval 1 s).
 * - amazon-ecs-deploy-task-definition's way: the SDK waiter `waitUntilServicesStable` on
 *   DescribeServices, called as its source does (`minDelay: WAIT_DEFAULT_DELAY_SEC` = 15 s,
 *   `maxWaitTime`, maxDelay left at the SDK default 120 s), with every delay scaled 1:15 like
 *   our poll interval (minDelay 1 s, maxDelay 8 s).
 * Figures: time from ECS reaching its terminal state (the double's finishedAt, the scheduled
 * instant of the transition) to the call returning; AWS calls per poll while waiting; and what
 * each reports when the circuit breaker rolls the deployment back.
 */
import { ECSClient, UpdateServiceCommand, waitUntilServicesStable } from '@aws-sdk/client-ecs';
import { loadEcsApi, systemClock } from '../src/ecs-deploy/aws';
import { waitForPauseOrEnd } from '../src/ecs-deploy/service-deployment';
import { MemoryReporter } from '../src/toolkit/reporter';
import { startEcsDouble, type EcsDouble, type Scenario } from '../test/doubles/ecs';

// A rolling deployment of 3 stages of 3 s = 9 s: about 2 minutes of real ECS at the 1:15 scale.
const RUNS = Number(process.env.ECS_BENCH_RUNS ?? 5);
const STAGE_MS = Number(process.env.ECS_BENCH_STAGE_MS ?? 3000);
const POLL_MS = 1000;

interface Sample {
  latencyMs: number;
  polls: number;
  calls: number;
  reported: string;
}

async function deployment(double: EcsDouble, client: ECSClient): Promise<{ arn: string; td: string }> {
  const svc = [...double.ecs.services.values()][0];
  const td = double.ecs.register({ ...double.ecs.findTaskDefinition(svc.taskDefinition).body });
  const r = await client.send(new UpdateServiceCommand({ cluster: 'default', service: svc.name, taskDefinition: td.arn }));
  return { arn: r.service?.currentServiceDeployment ?? '', td: td.arn };
}

function terminalAt(double: EcsDouble, arn: string): number {
  return double.ecs.deployment(arn).finishedAt?.getTime() ?? Number.NaN;
}

async function ours(double: EcsDouble, client: ECSClient): Promise<Sample> {
  const { arn, td } = await deployment(double, client);
  const ecs = await loadEcsApi('us-east-1');
  const before = double.calls.length;
  const out = await waitForPauseOrEnd({ ecs, clock: systemClock, reporter: new MemoryReporter(), cluster: 'default', service: 'web' }, arn, {
    waitMs: 10 * 60_000,
    pollIntervalMs: POLL_MS,
    taskDefinitionArn: td,
  });
  const done = Date.now();
  const calls = double.calls.length - before;
  return { latencyMs: done - terminalAt(double, arn), polls: out.polls, calls, reported: out.result };
}

async function anchor(double: EcsDouble, client: ECSClient): Promise<Sample> {
  const { arn } = await deployment(double, client);
  const before = double.calls.length;
  let reported: string;
  try {
    const r = await waitUntilServicesStable({ client, minDelay: 1, maxDelay: 8, maxWaitTime: 600 }, { cluster: 'default', services: ['web'] });
    reported = String(r.state) === 'SUCCESS' ? 'success' : String(r.state);
  } catch (e) {
    reported = `error: ${(e as Error).name}`;
  }
  const done = Date.now();
  const calls = double.calls.length - before;
  const polls = double.calls.slice(before).filter((c) => c.operation === 'DescribeServices').length;
  return { latencyMs: done - terminalAt(double, arn), polls, calls, reported };
}

async function one(scenario: Scenario, side: 'ours' | 'anchor', stageMs = STAGE_MS): Promise<Sample> {
  const double = await startEcsDouble({ scenario, stageMs });
  double.seedService({ desiredCount: 2 });
  Object.assign(process.env, double.env);
  const client = new ECSClient({ region: 'us-east-1' });
  try {
    return side === 'ours' ? await ours(double, client) : await anchor(double, client);
  } finally {
    client.destroy();
    await double.stop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const results: Record<'ours' | 'anchor', Sample[]> = { ours: [], anchor: [] };
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so both sides see the same machine load.
    results.ours.push(await one('healthy', 'ours'));
    results.anchor.push(await one('healthy', 'anchor'));
  }
  const breakerOurs = await one('circuit-breaker', 'ours', 500);
  const breakerAnchor = await one('circuit-breaker', 'anchor', 500);

  const row = (name: string, s: Sample[]) => {
    const lat = s.map((x) => x.latencyMs);
    const perPoll = s.reduce((n, x) => n + x.calls, 0) / s.reduce((n, x) => n + x.polls, 0);
    return { name, median: median(lat), max: Math.max(...lat), perPoll };
  };
  const a = row('Shipline ecs-deploy (DescribeServiceDeployments by ARN, poll 1 s)', results.ours);
  const b = row('amazon-ecs-deploy-task-definition (waitUntilServicesStable, minDelay 1 s, maxDelay 8 s)', results.anchor);
  console.log(`ECS wait benchmark: rolling deployment of 2 tasks on the ECS test double, stage ${STAGE_MS} ms, ${RUNS} runs per side, interleaved`);
  console.log('');
  console.log('| waiter | terminal -> return, median | worst | AWS calls per poll | reports after a circuit-breaker rollback |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| ${a.name} | ${fmt(a.median)} | ${fmt(a.max)} | ${a.perPoll.toFixed(2)} | ${breakerOurs.reported} |`);
  console.log(`| ${b.name} | ${fmt(b.median)} | ${fmt(b.max)} | ${b.perPoll.toFixed(2)} | ${breakerAnchor.reported} |`);
  console.log('');
  console.log(
    `Goal: at most one poll interval (${fmt(POLL_MS)}) from terminal to return: Shipline ${a.max <= POLL_MS ? 'met' : 'MISSED'} (worst ${fmt(a.max)}).`,
  );
  console.log(`Goal: at most 2 AWS calls per poll: Shipline ${a.perPoll <= 2 ? 'met' : 'MISSED'} (${a.perPoll.toFixed(2)}).`);
  console.log(`Ratio of median terminal -> return, anchor / Shipline: ${(b.median / Math.max(1, a.median)).toFixed(1)}x`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
