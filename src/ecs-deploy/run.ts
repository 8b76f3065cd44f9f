/**
 * ecs-deploy: register the task definition with the new image digests, run the pre-deploy
 * task, start the deployment (rolling, ECS native blue/green / canary / linear, or CodeDeploy),
 * follow it by its own identifier and report only what ECS really did. `continue` answers a
 * paused deployment; `rollback` returns the service to the previous task definition.
 */
import { InputError, ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { withWorkflowCommandsStopped } from '../toolkit/untrusted-output';
import { buildAppSpec, deploymentGroupFacts, startCodeDeployDeployment, waitForCodeDeploy, type CodeDeployContext, type GroupFacts } from './codedeploy';
import { describeService, describeTaskDefinition, registerTaskDefinition, startDeployment } from './deployer';
import { buildDeploymentConfiguration, serviceStrategy } from './deployment-config';
import type { EcsDeployInputs, Strategy } from './inputs';
import { runMigration, type MigrationResult } from './migration';
import { continueAction, rollbackAction } from './run-followups';
export type { Clients } from './result';
import { countTasksAfterCodeDeploy, DeploymentEnded, finishCodeDeployTimeout, finishEcsTimeout, report, type Clients } from './result';
import { type EcsContext, waitForPauseOrEnd } from './service-deployment';
import { deploySummary, type SummaryInput } from './summary';
import { applyImagesAndEnvironment, missingContainersError, toRegisterInput, type TaskDefinitionJson } from './task-definition';

export async function run(inputs: EcsDeployInputs, clients: Clients, reporter: Reporter): Promise<void> {
  const ctx: EcsContext = { ecs: await clients.ecs(), clock: clients.clock, reporter, cluster: inputs.cluster, service: inputs.service };
  const summary: SummaryInput = {
    action: inputs.action,
    cluster: inputs.cluster,
    service: inputs.service,
    strategy: inputs.strategy ?? '(service setting)',
    configChanges: [],
    oldContainers: [],
    newContainers: [],
    startedAt: clients.clock.now(),
  };
  try {
    if (inputs.action === 'continue') await continueAction(inputs, ctx, clients, summary);
    else if (inputs.action === 'rollback') await rollbackAction(inputs, ctx, clients, summary);
    else await deploy(inputs, ctx, clients, summary);
  } catch (err) {
    if (!(err instanceof DeploymentEnded)) {
      summary.error = err instanceof Error ? err.message : String(err);
      // ECS could not be asked (or answered nonsense): never success, and no status left empty.
      if (!(err instanceof InputError)) reporter.setOutput('status', 'failed');
    }
    await reporter.summary(deploySummary(summary));
    throw err instanceof DeploymentEnded ? err.error : err;
  }
  await reporter.summary(deploySummary(summary));
}

async function deploy(inputs: EcsDeployInputs, ctx: EcsContext, clients: Clients, summary: SummaryInput): Promise<void> {
  const { reporter, clock } = ctx;
  const deadline = clock.now() + inputs.waitMs;
  const service = await describeService(ctx);
  const configured = serviceStrategy(service.deploymentController?.type, service.deploymentConfiguration);
  if (configured === 'external')
    throw new ServiceError(
      'Amazon ECS',
      `service '${inputs.service}' uses the EXTERNAL deployment controller`,
      'ecs-deploy drives the ECS and CODE_DEPLOY controllers only',
    );
  const strategy: Strategy = inputs.strategy ?? configured;
  summary.strategy = strategy;
  checkStrategy(inputs, strategy, configured);
  // CodeDeploy: the group is checked before anything is registered.
  const cd = inputs.codedeploy;
  let cdCtx: CodeDeployContext | undefined;
  let facts: GroupFacts | undefined;
  if (strategy === 'codedeploy') {
    cdCtx = { codedeploy: await clients.codedeploy(), clock, reporter };
    if (!cd)
      throw new InputError(
        'codedeploy-application',
        'is required: the service uses the CODE_DEPLOY deployment controller',
        'Set codedeploy-application and codedeploy-deployment-group',
      );
    facts = await deploymentGroupFacts(cdCtx, cd.application, cd.deploymentGroup);
    if (cd.waitAtReady && !facts.holdsAtReady) {
      throw new ServiceError(
        'AWS CodeDeploy',
        `deployment group '${cd.deploymentGroup}' does not hold the replacement task set at Ready (deploymentReadyOption.actionOnTimeout is not STOP_DEPLOYMENT), so wait-at-ready cannot stop it`,
        'Set the group\'s deployment ready option to "Specify when to reroute traffic", or set wait-at-ready: false',
      );
    }
  }
  summary.previousTaskDefinitionArn = service.taskDefinition;
  reporter.setOutput('previous-task-definition-arn', service.taskDefinition ?? '');

  // The task definition: the file's, or the service's current one (read, never written, before checks pass).
  let base: TaskDefinitionJson;
  const current = await describeTaskDefinition(ctx, service.taskDefinition ?? '');
  summary.oldContainers = (current.containerDefinitions ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' }));
  if (inputs.taskDefinition) base = inputs.taskDefinition;
  else base = current;
  const applied = applyImagesAndEnvironment(base, inputs.images, inputs.environment);
  if (applied.missing.length) {
    const input = inputs.images.some((i) => applied.missing.includes(i.container)) ? 'images' : 'environment';
    throw missingContainersError(input, applied.missing, base, `the service's task definition ${service.taskDefinition ?? ''}`);
  }
  if (inputs.preDeploy && !(applied.taskDefinition.containerDefinitions ?? []).some((c) => c.name === inputs.preDeploy?.container)) {
    throw missingContainersError('pre-deploy-container', [inputs.preDeploy.container], base, 'the task definition');
  }
  const { input, dropped } = toRegisterInput(applied.taskDefinition);
  if (dropped.length) reporter.info(`Dropped describe-only keys from the task definition (RegisterTaskDefinition refuses them): ${dropped.join(', ')}`);
  const registered = await registerTaskDefinition(ctx, input);
  summary.taskDefinitionArn = registered.arn;
  summary.newContainers = registered.containers;
  reporter.setOutput('task-definition-arn', registered.arn);
  reporter.info(`Registered ${registered.arn}: ${registered.containers.map((c) => `${c.name}=${c.image}`).join(', ')}`);

  if (inputs.preDeploy) {
    const migration = await runMigration(ctx, {
      taskDefinitionArn: registered.arn,
      taskDefinition: input,
      container: inputs.preDeploy?.container ?? '',
      command: inputs.preDeploy?.command ?? [],
      service,
      deadline,
      pollIntervalMs: inputs.pollIntervalMs,
      logs: clients.logs,
    });
    summary.migration = migration;
    // The task's own output: printed with workflow commands off, so a line cannot set outputs or masks.
    await withWorkflowCommandsStopped(reporter, async () => logMigration(reporter, migration));
    if (summary.migration.result !== 'succeeded') {
      reporter.setOutput('status', summary.migration.result === 'timed-out' ? 'timed-out' : 'failed');
      const m = summary.migration;
      throw new DeploymentEnded(
        new ServiceError(
          'Amazon ECS',
          m.result === 'timed-out'
            ? `the pre-deploy task ${m.taskArn} was still ${m.lastStatus ?? 'running'} when the wait ran out; nothing was deployed`
            : `the pre-deploy task ${m.taskArn} exited ${m.exitCode ?? 'without an exit code'} (${m.stoppedReason ?? 'no reason'}); nothing was deployed`,
          m.logLines.length ? `Last log line: ${m.logLines[m.logLines.length - 1]}` : 'See the task in the ECS console',
        ),
      );
    }
  }

  const remaining = Math.max(0, deadline - clock.now());
  if (strategy === 'codedeploy') {
    if (!cd || !cdCtx || !facts) throw new Error('CodeDeploy settings were checked above');
    const lb = service.loadBalancers?.[0];
    const appspec = buildAppSpec(
      registered.arn,
      inputs.codedeploy?.appspecFile,
      lb ? { containerName: lb.containerName, containerPort: lb.containerPort } : undefined,
    );
    const id = await startCodeDeployDeployment(cdCtx, {
      application: cd.application,
      deploymentGroup: cd.deploymentGroup,
      appspec,
      description: `shipline ecs-deploy ${registered.arn}`,
    });
    reporter.setOutput('codedeploy-deployment-id', id);
    reporter.info(`CodeDeploy deployment ${id} created`);
    const outcome = await waitForCodeDeploy(cdCtx, id, { waitMs: remaining, pollIntervalMs: inputs.pollIntervalMs, stopAtReady: cd.waitAtReady });
    await countTasksAfterCodeDeploy(ctx, outcome, registered.arn);
    outcome.alarms = facts.alarms;
    await finishCodeDeployTimeout(inputs, cdCtx, outcome);
    return report(inputs, ctx, summary, outcome);
  }

  const explicit =
    inputs.strategy !== undefined ||
    inputs.native.pauseAt !== 'none' ||
    inputs.native.alarms.length > 0 ||
    inputs.native.bakeTimeMinutes !== undefined ||
    strategy !== 'rolling';
  let configuration;
  if (explicit) {
    const built = buildDeploymentConfiguration(service.deploymentConfiguration, strategy, inputs.native);
    configuration = built.configuration;
    summary.configChanges = built.changes;
    for (const c of built.changes) reporter.info(`Deployment configuration: ${c}`);
    if (built.changes.some((c) => c.startsWith('strategy ')))
      reporter.warning(
        `Changing the service's deployment strategy (${built.changes.find((c) => c.startsWith('strategy '))}); the service keeps it for later deployments`,
      );
  }
  if (strategy === 'rolling' && !service.deploymentConfiguration?.deploymentCircuitBreaker?.enable) {
    reporter.warning('The service has no deployment circuit breaker: a rolling deployment of failing tasks only ends when the wait runs out');
  }
  const started = await startDeployment(ctx, { taskDefinitionArn: registered.arn, deploymentConfiguration: configuration });
  reporter.setOutput('service-deployment-arn', started.serviceDeploymentArn);
  reporter.info(
    `Service deployment ${started.serviceDeploymentArn} started (${strategy}); waiting up to ${Math.round(remaining / 1000)} s, polling every ${inputs.pollIntervalMs / 1000} s`,
  );
  const outcome = await waitForPauseOrEnd(ctx, started.serviceDeploymentArn, {
    waitMs: remaining,
    pollIntervalMs: inputs.pollIntervalMs,
    taskDefinitionArn: registered.arn,
  });
  await finishEcsTimeout(inputs, ctx, outcome, registered.arn);
  return report(inputs, ctx, summary, outcome);
}

function checkStrategy(inputs: EcsDeployInputs, strategy: Strategy, configured: Strategy): void {
  if (strategy === 'codedeploy' && configured !== 'codedeploy') {
    throw new InputError(
      'strategy',
      `is codedeploy, but service '${inputs.service}' uses the ECS deployment controller`,
      'Choose rolling, blue-green, canary or linear, or create the service with the CODE_DEPLOY controller',
    );
  }
  if (strategy !== 'codedeploy' && configured === 'codedeploy') {
    throw new InputError(
      'strategy',
      `is ${strategy}, but service '${inputs.service}' uses the CODE_DEPLOY deployment controller`,
      'Set strategy: codedeploy with codedeploy-application and codedeploy-deployment-group',
    );
  }
  // With strategy empty the parser could not tell; a setting the deployment would ignore is refused here.
  const settings: [string, number | undefined, Strategy][] = [
    ['canary-percent', inputs.native.canaryPercent, 'canary'],
    ['canary-bake-time', inputs.native.canaryBakeTimeMinutes, 'canary'],
    ['linear-step-percent', inputs.native.linearStepPercent, 'linear'],
    ['linear-step-bake-time', inputs.native.linearStepBakeTimeMinutes, 'linear'],
  ];
  for (const [name, given, wanted] of settings) {
    if (given !== undefined && strategy !== wanted) {
      throw new InputError(
        name,
        `applies to strategy: ${wanted}, but service '${inputs.service}' deploys by ${strategy}`,
        `Remove ${name}, or set strategy: ${wanted}`,
      );
    }
  }
  // ECS bakes only blue/green, canary and linear deployments: with rolling it would be dropped.
  if (inputs.native.bakeTimeMinutes !== undefined && strategy === 'rolling') {
    throw new InputError(
      'bake-time',
      `applies to strategy: blue-green, canary or linear, but service '${inputs.service}' deploys by rolling update`,
      'Remove bake-time, or set strategy: blue-green, canary or linear',
    );
  }
  if (inputs.native.pauseAt !== 'none' && strategy === 'rolling') {
    throw new InputError(
      'pause-at',
      `'${inputs.native.pauseAt}' needs lifecycle hooks, but service '${inputs.service}' deploys by rolling update`,
      'Set strategy: blue-green, canary or linear, or pause-at: none',
    );
  }
}

function logMigration(reporter: Reporter, m: MigrationResult): void {
  reporter.info(`Pre-deploy task ${m.taskArn}: ${m.result}, exit code ${m.exitCode ?? 'none'}${m.stoppedReason ? ` (${m.stoppedReason})` : ''}`);
  reporter.info(`Last log lines (${m.logSource}):`);
  for (const line of m.logLines) reporter.info(`  ${line}`);
}
