/**
 * TEST DOUBLE. A stateful Amazon ECS for one account and region: task definitions, services,
 * service revisions, service deployments and one-off tasks, with answers shaped like the ECS
 * API reference's example responses. Service deployments move through the documented statuses
 * (PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS,
 * ROLLBACK_SUCCESSFUL) and lifecycle stages (RECONCILE_SERVICE, PRE_SCALE_UP, SCALE_UP,
 * POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT,
 * POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, CLEAN_UP) on an accelerated clock: `stageMs` per
 * stage, `minuteMs` per minute of bake time. Progress is computed from the clock on every call,
 * so a transition happens at its scheduled time however often anyone polls.
 *
 * PAUSE lifecycle hooks (pause-hooks.ts): every plan step whose stage carries one pauses once,
 * with a new hookId, so a hook at PRE_PRODUCTION_TRAFFIC_SHIFT pauses before each shift of a
 * canary or linear deployment (plans.ts); unanswered until it expires, the hook is TIMED_OUT and
 * its timeout action (ROLLBACK or CONTINUE) is taken at that time.
 */
import { AwsError } from './protocol';
import { arn, deploymentId, id } from './ids';

export { ACCOUNT, REGION } from './ids';
import { deploymentPlan, type PlanStep, type Scenario } from './plans';
import { seedService, type SeedServiceInput } from './seed';
import type { TaskSetRecord } from './task-sets';
import { pauseAt, type HookDetail } from './pause-hooks';

export type { HookDetail } from './pause-hooks';
import { advanceOneOffTask, newOneOffTask, type TaskRecord } from './one-off-tasks';

export type { TaskRecord } from './one-off-tasks';

export interface TaskDefinitionRecord {
  arn: string;
  family: string;
  revision: number;
  body: Record<string, unknown>;
  registeredAt: Date;
}

export interface Revision {
  arn: string;
  taskDefinition: string;
  createdAt: Date;
}

export interface ServiceRecord {
  name: string;
  arn: string;
  cluster: string;
  taskDefinition: string;
  desiredCount: number;
  controller: 'ECS' | 'CODE_DEPLOY';
  deploymentConfiguration: Record<string, unknown>;
  networkConfiguration: Record<string, unknown>;
  loadBalancers: Record<string, unknown>[];
  createdAt: Date;
  currentServiceDeployment?: string;
  revision: Revision;
  revisions: Revision[];
  events: { id: string; createdAt: Date; message: string }[];
  /** CODE_DEPLOY controller only: the task sets (task-sets.ts), created on first use. */
  taskSets?: TaskSetRecord[];
}

/** A plan step entered, for tests: what ECS reported from `at` on. */
export interface StepEntered {
  at: number;
  status: string;
  stage?: string;
  productionWeight?: number;
}

export interface ServiceDeploymentRecord {
  arn: string;
  service: ServiceRecord;
  source: Revision;
  target: Revision;
  config: Record<string, unknown>;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  updatedAt: Date;
  plan: PlanStep[];
  step: number;
  stepStartedAt: number;
  hooks: HookDetail[];
  /** Plan steps (indices) that have paused: each pauses once, a stage as often as the plan has it. */
  pausedSteps: Set<number>;
  /** Every plan step entered, in order (test introspection; ECS shows only the current one). */
  history: StepEntered[];
  statusReason?: string;
  rollback?: { reason: string; startedAt: Date; serviceRevisionArn: string };
  failureCount: number;
  triggeredAlarms: string[];
}

export interface EcsModelOptions {
  stageMs: number;
  minuteMs: number;
  scenario: () => Scenario;
  /** Called when RunTask starts a task, to write the lines it will print (CloudWatch Logs via moto) before anyone can see it stop. */
  onTaskRunning?: (task: TaskRecord, td: TaskDefinitionRecord, exitCode: number) => Promise<void> | void;
}

export class EcsModel {
  readonly taskDefinitions: TaskDefinitionRecord[] = [];
  readonly services = new Map<string, ServiceRecord>();
  readonly deployments: ServiceDeploymentRecord[] = [];
  readonly tasks: TaskRecord[] = [];
  private revisionCounter = 1;

  constructor(private readonly opts: EcsModelOptions) {}

  now(): number {
    return Date.now();
  }

  /** Test set-up: a service that has run for a day (seed.ts). */
  seedService(input: SeedServiceInput): ServiceRecord {
    return seedService(this, input);
  }

  register(body: Record<string, unknown>): TaskDefinitionRecord {
    const family = String(body.family ?? '');
    if (!family) throw new AwsError('ClientException', 'Family cannot be blank.');
    if (!Array.isArray(body.containerDefinitions) || body.containerDefinitions.length === 0) {
      throw new AwsError('ClientException', 'Container list cannot be empty.');
    }
    const revision = this.taskDefinitions.filter((t) => t.family === family).length + 1;
    const rec = { arn: arn(`task-definition/${family}:${revision}`), family, revision, body, registeredAt: new Date(this.now()) };
    this.taskDefinitions.push(rec);
    return rec;
  }

  findTaskDefinition(ref: string): TaskDefinitionRecord {
    const found =
      this.taskDefinitions.find((t) => t.arn === ref || `${t.family}:${t.revision}` === ref) ??
      [...this.taskDefinitions].reverse().find((t) => t.family === ref);
    if (!found) throw new AwsError('ClientException', 'Unable to describe task definition.');
    return found;
  }

  service(cluster: string | undefined, name: string): ServiceRecord {
    const c = String(cluster ?? 'default').replace(/^arn:.*:cluster\//, '');
    const n = String(name).replace(/^arn:.*:service\/(?:[^/]+\/)?/, '');
    const svc = this.services.get(`${c}/${n}`);
    if (!svc) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    return svc;
  }

  newRevision(cluster: string, name: string, taskDefinition: string): Revision {
    return { arn: arn(`service-revision/${cluster}/${name}/${this.revisionCounter++}${id(4)}`), taskDefinition, createdAt: new Date(this.now()) };
  }

  /** UpdateService: a new service deployment (any deployment in flight is STOPPED, superseded). */
  updateService(svc: ServiceRecord, taskDefinition: string | undefined, config: Record<string, unknown> | undefined): ServiceDeploymentRecord {
    this.advanceAll();
    if (svc.controller === 'CODE_DEPLOY' && taskDefinition && taskDefinition !== svc.taskDefinition) {
      throw new AwsError(
        'InvalidParameterException',
        'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to deploy new task definitions.',
      );
    }
    if (config) svc.deploymentConfiguration = config;
    const td = taskDefinition ? this.findTaskDefinition(taskDefinition).arn : svc.taskDefinition;
    for (const d of this.deployments) {
      if (d.service === svc && !this.isTerminal(d)) {
        d.plan = [...d.plan.slice(0, d.step + 1), { status: 'STOPPED', ms: 0 }];
        this.enter(d, d.step + 1, this.now());
        d.statusReason = 'ECS stopped this service deployment because a newer service deployment started.';
      }
    }
    const source = svc.revision;
    const target = this.newRevision(svc.cluster, svc.name, td);
    svc.revisions.push(target);
    const plan = deploymentPlan(svc.deploymentConfiguration, svc.desiredCount, this.opts.scenario(), this.opts.stageMs, this.opts.minuteMs);
    const now = this.now();
    const d: ServiceDeploymentRecord = {
      arn: arn(`service-deployment/${svc.cluster}/${svc.name}/${deploymentId()}`),
      service: svc,
      source,
      target,
      config: JSON.parse(JSON.stringify(svc.deploymentConfiguration)) as Record<string, unknown>,
      createdAt: new Date(now),
      updatedAt: new Date(now),
      plan,
      step: 0,
      stepStartedAt: now,
      hooks: [],
      pausedSteps: new Set(),
      history: [],
      failureCount: 0,
      triggeredAlarms: [],
    };
    this.deployments.push(d);
    svc.currentServiceDeployment = d.arn;
    svc.taskDefinition = td;
    svc.revision = target;
    svc.events.unshift({ id: id(8), createdAt: new Date(now), message: `(service ${svc.name}) has started 1 tasks: (task ${id(16)}).` });
    return d;
  }

  isTerminal(d: ServiceDeploymentRecord): boolean {
    return ['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'].includes(d.plan[d.step].status);
  }

  current(d: ServiceDeploymentRecord): PlanStep {
    return d.plan[d.step];
  }

  /** Moves every deployment and task forward to the clock's time. */
  advanceAll(): void {
    const now = this.now();
    for (const d of [...this.deployments]) this.advance(d, now);
    for (const t of this.tasks) advanceOneOffTask(t, now);
    const competing = this.competing;
    this.competing = undefined;
    if (competing) {
      // Someone else's deploy (another workflow, the console): the previous task definition again.
      this.updateService(competing.service, competing.source.taskDefinition, undefined);
    }
  }

  private competing?: ServiceDeploymentRecord;
  private competed = false;

  private advance(d: ServiceDeploymentRecord, now: number): void {
    for (;;) {
      if (this.isTerminal(d)) return;
      const step = d.plan[d.step];
      const waiting = d.hooks.find((h) => h.status === 'AWAITING_ACTION');
      if (waiting) {
        if (now < waiting.expiresAt.getTime()) return;
        this.timeOut(d, waiting);
        continue;
      }
      if (now < d.stepStartedAt + step.ms) return;
      this.enter(d, d.step + 1, d.stepStartedAt + step.ms);
    }
  }

  /** Enters plan step `index` at time `at` (a scheduled time, not the time someone looked). */
  private enter(d: ServiceDeploymentRecord, index: number, at: number): void {
    d.step = index;
    d.stepStartedAt = at;
    d.updatedAt = new Date(at);
    const step = d.plan[index];
    d.history.push({ at, status: step.status, stage: step.stage, productionWeight: step.productionWeight });
    if (step.status !== 'PENDING') d.startedAt ??= new Date(at);
    if (step.failTasks) {
      const threshold = circuitBreakerThreshold(d.service.desiredCount);
      for (let i = 0; i < step.failTasks; i++) {
        d.failureCount++;
        this.tasks.push(this.stoppedServiceTask(d, at, threshold));
      }
    }
    if (step.competing && !this.competed) {
      this.competed = true;
      this.competing = d;
    }
    if (step.triggerAlarms) {
      const names = ((d.config.alarms as { alarmNames?: string[] } | undefined)?.alarmNames ?? []).slice(0, 1);
      d.triggeredAlarms = names.length ? names : ['(no alarm configured)'];
    }
    if (step.rollbackReason && !d.rollback) {
      d.rollback = { reason: step.rollbackReason, startedAt: new Date(at), serviceRevisionArn: d.source.arn };
      d.statusReason = step.rollbackReason;
    }
    if (step.status === 'ROLLBACK_SUCCESSFUL') {
      d.service.taskDefinition = d.source.taskDefinition;
      d.service.revision = d.source;
    }
    if (['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'].includes(step.status)) d.finishedAt = new Date(at);
    const hook = step.status === 'IN_PROGRESS' && !d.pausedSteps.has(index) ? pauseAt(d.config, step.stage, at, this.opts.minuteMs) : undefined;
    if (hook) {
      d.pausedSteps.add(index);
      d.hooks.push(hook);
    }
  }

  /** A PAUSE hook nobody answered before expiresAt: TIMED_OUT, and its timeout action taken then. */
  private timeOut(d: ServiceDeploymentRecord, hook: HookDetail): void {
    hook.status = 'TIMED_OUT';
    const at = hook.expiresAt.getTime();
    if (hook.timeoutAction === 'ROLLBACK') {
      this.startRollback(d, at, 'Service deployment rolled back because a lifecycle hook timed out.');
    } else {
      d.stepStartedAt = at - d.plan[d.step].ms;
    }
  }

  private stoppedServiceTask(d: ServiceDeploymentRecord, at: number, _threshold: number): TaskRecord {
    const td = this.findTaskDefinition(d.target.taskDefinition);
    const containers = ((td.body.containerDefinitions as { name: string; essential?: boolean }[]) ?? []).map((c) => ({
      name: c.name,
      lastStatus: 'STOPPED',
      exitCode: c.essential === false ? 0 : 1,
      reason: undefined,
    }));
    return {
      taskArn: arn(`task/${d.service.cluster}/${id(16)}`),
      taskDefinitionArn: td.arn,
      group: `service:${d.service.name}`,
      startedBy: `ecs-svc/${id(8)}`,
      createdAt: new Date(at - this.opts.stageMs),
      stoppedAt: new Date(at),
      stoppedReason: 'Essential container in task exited',
      stopCode: 'EssentialContainerExited',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      containers,
    };
  }

  /** ContinueServiceDeployment: answers the PAUSE hook (CONTINUE or ROLLBACK). */
  continueDeployment(arnValue: string, hookId: string, action: string): void {
    this.advanceAll();
    const d = this.deployment(arnValue);
    const hook = d.hooks.find((h) => h.hookId === hookId);
    if (!hook) throw new AwsError('InvalidParameterException', `The lifecycle hook ${hookId} was not found for service deployment ${arnValue}.`);
    if (hook.status !== 'AWAITING_ACTION' || this.isTerminal(d)) {
      throw new AwsError('ConflictException', `The lifecycle hook ${hookId} is not awaiting action.`);
    }
    hook.status = 'SUCCEEDED';
    const now = this.now();
    if (action === 'ROLLBACK') {
      this.startRollback(d, now, 'Service deployment rolled back because a lifecycle hook returned ROLLBACK.');
    } else {
      // The hook's stage ends now; the plan resumes from the next step.
      d.stepStartedAt = now - d.plan[d.step].ms;
      this.advance(d, now);
    }
  }

  /** StopServiceDeployment: ROLLBACK (ECS rolls back) or ABORT (STOPPED where it is). */
  stopDeployment(arnValue: string, stopType: string): void {
    this.advanceAll();
    const d = this.deployment(arnValue);
    if (this.isTerminal(d)) throw new AwsError('ConflictException', `The service deployment ${arnValue} is already ${d.plan[d.step].status}.`);
    for (const h of d.hooks) if (h.status === 'AWAITING_ACTION') h.status = 'SUCCEEDED';
    if (stopType === 'ABORT') {
      d.plan = [...d.plan.slice(0, d.step + 1), { status: 'STOP_REQUESTED', ms: this.opts.stageMs }, { status: 'STOPPED', ms: 0 }];
      this.enter(d, d.step + 1, this.now());
      d.statusReason = 'Service deployment stopped by StopServiceDeployment.';
    } else {
      this.startRollback(d, this.now(), 'Service deployment rolled back by StopServiceDeployment.');
    }
  }

  private startRollback(d: ServiceDeploymentRecord, at: number, reason: string): void {
    d.plan = [
      ...d.plan.slice(0, d.step + 1),
      { status: 'ROLLBACK_REQUESTED', ms: this.opts.stageMs, rollbackReason: reason },
      { status: 'ROLLBACK_IN_PROGRESS', ms: this.opts.stageMs * 2 },
      { status: 'ROLLBACK_SUCCESSFUL', ms: 0 },
    ];
    this.enter(d, d.step + 1, at);
  }

  deployment(arnValue: string): ServiceDeploymentRecord {
    const d = this.deployments.find((x) => x.arn === arnValue);
    if (!d) throw new AwsError('ServiceDeploymentNotFoundException', `The service deployment ${arnValue} does not exist.`);
    return d;
  }

  /** RunTask: PROVISIONING -> PENDING -> RUNNING -> STOPPED, exit code by scenario (one-off-tasks.ts). */
  runTask(body: Record<string, unknown>): TaskRecord {
    const td = this.findTaskDefinition(String(body.taskDefinition ?? ''));
    const task = newOneOffTask(body, td, {
      now: this.now(),
      stageMs: this.opts.stageMs,
      exitCode: this.opts.scenario() === 'migration-fails' ? 1 : 0,
      taskArn: arn(`task/${String(body.cluster ?? 'default')}/${id(16)}`),
    });
    this.tasks.push(task);
    const writing = this.opts.onTaskRunning?.(task, td, task.schedule?.exitCode ?? 0);
    if (writing) {
      // The container cannot exit before it printed: STOPPED waits for the log lines to be stored.
      task.printing = true;
      void Promise.resolve(writing).finally(() => (task.printing = false));
    }
    return task;
  }
}

/** ECS's rule: 3 <= threshold <= 200, half the desired count rounded up. */
export function circuitBreakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired / 2)));
}
