/**
 * TEST DOUBLE. AWS CodeDeploy for ECS blue/green (compute platform ECS), stateful, answering
 * like the CodeDeploy API reference: GetDeploymentGroup, CreateDeployment (AppSpec content),
 * GetDeployment (deploymentInfo with status Created -> InProgress -> Ready -> InProgress ->
 * Succeeded, or Failed / Stopped with errorInformation and rollbackInfo), ContinueDeployment
 * (READY_WAIT), StopDeployment (autoRollbackEnabled). Success installs the task definition on
 * the ECS service of the deployment group.
 */
import { randomBytes } from 'node:crypto';
import { AwsError, type Handler } from './protocol';
import type { EcsModel } from './ecs-model';
import { taskSetId, taskSetsOf } from './task-sets';
import type { Scenario } from './plans';

export interface DeploymentGroupSeed {
  application: string;
  deploymentGroup: string;
  cluster: string;
  service: string;
  /** deploymentReadyOption.actionOnTimeout STOP_DEPLOYMENT (hold at Ready) or CONTINUE_DEPLOYMENT. */
  holdAtReady: boolean;
  alarms?: string[];
}

interface CdDeployment {
  id: string;
  group: DeploymentGroupSeed;
  taskDefinition: string;
  previousTaskDefinition: string;
  appspec: string;
  createTime: Date;
  startTime?: Date;
  completeTime?: Date;
  steps: { status: string; ms: number }[];
  step: number;
  stepStartedAt: number;
  /** When each step was entered (ms epoch), for the target's lifecycle events. */
  entered: number[];
  errorInformation?: { code: string; message: string };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackMessage?: string };
}

const HOLD = Number.POSITIVE_INFINITY;

export class CodeDeployModel {
  readonly groups: DeploymentGroupSeed[] = [];
  readonly deployments: CdDeployment[] = [];

  constructor(
    private readonly ecs: EcsModel,
    private readonly opts: { stageMs: number; scenario: () => Scenario },
  ) {}

  seedGroup(g: DeploymentGroupSeed): void {
    this.groups.push(g);
  }

  private group(app: string, name: string): DeploymentGroupSeed {
    if (!this.groups.some((g) => g.application === app)) throw new AwsError('ApplicationDoesNotExistException', `No application found for name: ${app}`);
    const g = this.groups.find((x) => x.application === app && x.deploymentGroup === name);
    if (!g) throw new AwsError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`);
    return g;
  }

  private advance(d: CdDeployment, now: number): void {
    for (;;) {
      const step = d.steps[d.step];
      if (['Succeeded', 'Failed', 'Stopped'].includes(step.status) || now < d.stepStartedAt + step.ms) return;
      this.enter(d, d.step + 1, d.stepStartedAt + step.ms);
    }
  }

  private enter(d: CdDeployment, index: number, at: number): void {
    d.step = index;
    d.stepStartedAt = at;
    d.entered[index] = at;
    const status = d.steps[index].status;
    if (status === 'InProgress') d.startTime ??= new Date(at);
    this.moveTaskSets(d, status, at);
    if (status === 'Succeeded') {
      const svc = this.ecs.service(d.group.cluster, d.group.service);
      svc.taskDefinition = d.taskDefinition;
    }
    if (['Succeeded', 'Failed', 'Stopped'].includes(status)) d.completeTime = new Date(at);
    if (status === 'Failed' && this.opts.scenario() === 'alarm') {
      const names = d.group.alarms?.length ? d.group.alarms : ['(alarm)'];
      d.errorInformation = {
        code: 'ALARM_ACTIVE',
        message: `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${names[0]}>`,
      };
      d.rollbackInfo = { rollbackDeploymentId: this.newId(), rollbackMessage: `Deployment ${d.id} failed and was rolled back automatically.` };
    }
  }

  /**
   * The service's task sets as CodeDeploy moves them: the replacement (ACTIVE, externalId the
   * deployment id) scales up when InProgress starts; at Succeeded it becomes PRIMARY and the
   * original goes; at Failed / Stopped it goes. Scenario codedeploy-stale-primary: Succeeded,
   * yet the original task set stays PRIMARY (the replacement was removed).
   */
  private moveTaskSets(d: CdDeployment, status: string, at: number): void {
    const svc = this.ecs.service(d.group.cluster, d.group.service);
    const sets = taskSetsOf(svc);
    const replacement = sets.find((t) => t.externalId === d.id);
    const when = new Date(at);
    if (status === 'InProgress' && replacement && replacement.stabilityStatus === 'STABILIZING') {
      Object.assign(replacement, { runningCount: svc.desiredCount, stabilityStatus: 'STEADY_STATE', updatedAt: when, stabilityStatusAt: when });
    }
    if (!replacement || !['Succeeded', 'Failed', 'Stopped'].includes(status)) return;
    if (status === 'Succeeded' && this.opts.scenario() !== 'codedeploy-stale-primary') {
      svc.taskSets = [Object.assign(replacement, { status: 'PRIMARY', updatedAt: when })];
    } else {
      svc.taskSets = sets.filter((t) => t !== replacement);
    }
  }

  private newId(): string {
    return `d-${randomBytes(5).toString('hex').toUpperCase().slice(0, 9)}`;
  }

  handler(): Handler {
    return (operation, body) => {
      const now = Date.now();
      for (const d of this.deployments) this.advance(d, now);
      const s = this.opts.stageMs;
      switch (operation) {
        case 'GetDeploymentGroup': {
          const g = this.group(String(body.applicationName ?? ''), String(body.deploymentGroupName ?? ''));
          return {
            deploymentGroupInfo: {
              applicationName: g.application,
              deploymentGroupId: '9f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b',
              deploymentGroupName: g.deploymentGroup,
              deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
              serviceRoleArn: 'arn:aws:iam::123456789012:role/CodeDeployECSRole',
              computePlatform: 'ECS',
              deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
              blueGreenDeploymentConfiguration: {
                terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
                deploymentReadyOption: {
                  actionOnTimeout: g.holdAtReady ? 'STOP_DEPLOYMENT' : 'CONTINUE_DEPLOYMENT',
                  waitTimeInMinutes: g.holdAtReady ? 60 : 0,
                },
              },
              autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
              alarmConfiguration: { enabled: Boolean(g.alarms?.length), ignorePollAlarmFailure: false, alarms: (g.alarms ?? []).map((name) => ({ name })) },
              ecsServices: [{ serviceName: g.service, clusterName: g.cluster }],
            },
          };
        }
        case 'CreateDeployment': {
          const g = this.group(String(body.applicationName ?? ''), String(body.deploymentGroupName ?? ''));
          if (this.deployments.some((d) => d.group === g && !['Succeeded', 'Failed', 'Stopped'].includes(d.steps[d.step].status))) {
            throw new AwsError('DeploymentLimitExceededException', `The deployment group ${g.deploymentGroup} has an active deployment.`);
          }
          const revision = body.revision as { revisionType?: string; appSpecContent?: { content?: string } } | undefined;
          const content = revision?.appSpecContent?.content;
          if (revision?.revisionType !== 'AppSpecContent' || !content) throw new AwsError('InvalidRevisionException', 'The revision is missing or invalid.');
          let td: string;
          try {
            const spec = JSON.parse(content) as { Resources: Record<string, { Properties: { TaskDefinition: string } }>[] };
            td = Object.values(spec.Resources[0])[0].Properties.TaskDefinition;
          } catch {
            throw new AwsError('InvalidRevisionException', 'The AppSpec file cannot be parsed.');
          }
          this.ecs.findTaskDefinition(td);
          const svc = this.ecs.service(g.cluster, g.service);
          const steps = [
            { status: 'Created', ms: s },
            { status: 'InProgress', ms: 2 * s },
            ...(g.holdAtReady ? [{ status: 'Ready', ms: HOLD }] : []),
            { status: 'InProgress', ms: 2 * s },
            this.opts.scenario() === 'alarm' ? { status: 'Failed', ms: 0 } : { status: 'Succeeded', ms: 0 },
          ];
          const d: CdDeployment = {
            id: this.newId(),
            group: g,
            taskDefinition: td,
            previousTaskDefinition: svc.taskDefinition,
            appspec: content,
            createTime: new Date(now),
            steps,
            step: 0,
            stepStartedAt: now,
            entered: [now],
          };
          this.deployments.push(d);
          taskSetsOf(svc).push({
            id: taskSetId(),
            status: 'ACTIVE',
            taskDefinition: td,
            externalId: d.id,
            runningCount: 0,
            stabilityStatus: 'STABILIZING',
            createdAt: new Date(now),
            updatedAt: new Date(now),
            stabilityStatusAt: new Date(now),
          });
          return { deploymentId: d.id };
        }
        case 'GetDeployment': {
          const d = this.find(String(body.deploymentId ?? ''));
          const status = d.steps[d.step].status;
          const n = (v: boolean) => (v ? 1 : 0);
          return {
            deploymentInfo: {
              applicationName: d.group.application,
              deploymentGroupName: d.group.deploymentGroup,
              deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
              deploymentId: d.id,
              revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: '' } },
              status,
              errorInformation: d.errorInformation,
              createTime: d.createTime,
              startTime: d.startTime,
              completeTime: d.completeTime,
              deploymentOverview: {
                Pending: n(status === 'Created'),
                InProgress: n(status === 'InProgress'),
                Succeeded: n(status === 'Succeeded'),
                Failed: n(status === 'Failed' || status === 'Stopped'),
                Skipped: 0,
                Ready: n(status === 'Ready'),
              },
              creator: 'user',
              ignoreApplicationStopFailures: false,
              autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
              updateOutdatedInstancesOnly: false,
              rollbackInfo: d.rollbackInfo,
              deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
              instanceTerminationWaitTimeStarted: status === 'Succeeded',
              fileExistsBehavior: 'DISALLOW',
              deploymentStatusMessages: [],
              computePlatform: 'ECS',
            },
          };
        }
        case 'ContinueDeployment': {
          const d = this.find(String(body.deploymentId ?? ''));
          if (d.steps[d.step].status !== 'Ready') throw new AwsError('DeploymentIsNotInReadyStateException', `The deployment ${d.id} is not in a ready state.`);
          this.enter(d, d.step + 1, now);
          return {};
        }
        case 'StopDeployment': {
          const d = this.find(String(body.deploymentId ?? ''));
          if (['Succeeded', 'Failed', 'Stopped'].includes(d.steps[d.step].status))
            throw new AwsError('DeploymentAlreadyCompletedException', `Deployment ${d.id} has already completed.`);
          d.steps = [...d.steps.slice(0, d.step + 1), { status: 'Stopped', ms: 0 }];
          this.enter(d, d.step + 1, now);
          d.errorInformation = { code: 'MANUAL_STOP', message: 'The deployment was stopped by a user.' };
          if (body.autoRollbackEnabled)
            d.rollbackInfo = { rollbackDeploymentId: this.newId(), rollbackMessage: `Deployment ${d.id} was stopped; automatic rollback deployment started.` };
          return { status: 'Pending', statusMessage: 'Stopping Pending. Stopping to schedule.' };
        }
        case 'ListDeploymentTargets': {
          const d = this.find(String(body.deploymentId ?? ''));
          return { targetIds: [`${d.group.cluster}:${d.group.service}`] };
        }
        case 'GetDeploymentTarget': {
          const d = this.find(String(body.deploymentId ?? ''));
          const targetId = `${d.group.cluster}:${d.group.service}`;
          if (body.targetId !== targetId)
            throw new AwsError('DeploymentTargetDoesNotExistException', `The deployment target ${String(body.targetId)} does not exist.`);
          return {
            deploymentTarget: {
              deploymentTargetType: 'ECSTarget',
              ecsTarget: {
                deploymentId: d.id,
                targetId,
                targetArn: `arn:aws:ecs:us-east-1:123456789012:service/${d.group.cluster}/${d.group.service}`,
                lastUpdatedAt: new Date(d.stepStartedAt),
                lifecycleEvents: this.lifecycleEvents(d, now),
                status: d.steps[d.step].status,
              },
            },
          };
        }
        default:
          throw new AwsError('UnknownOperationException', `The double does not implement ${operation}`);
      }
    };
  }

  /**
   * The ECS blue/green lifecycle events of the CodeDeploy user guide, spread over the two
   * InProgress steps (install and test traffic, then production traffic); events not reached
   * are Pending, or Skipped once the deployment ended.
   */
  private lifecycleEvents(d: CdDeployment, now: number) {
    const phases = [
      ['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic'],
      ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'],
    ];
    const ended = ['Succeeded', 'Failed', 'Stopped'].includes(d.steps[d.step].status);
    const inProgress = d.steps.map((st, i) => (st.status === 'InProgress' ? i : -1)).filter((i) => i >= 0);
    return phases.flatMap((names, p) => {
      const idx = inProgress[p];
      const start = idx === undefined ? undefined : d.entered[idx];
      const end = idx === undefined ? undefined : (d.entered[idx + 1] ?? now);
      return names.map((name, k) => {
        if (start === undefined || end === undefined) return { lifecycleEventName: name, status: ended ? 'Skipped' : 'Pending' };
        const a = start + ((end - start) * k) / names.length;
        const b = start + ((end - start) * (k + 1)) / names.length;
        const done = d.entered[idx + 1] !== undefined;
        return { lifecycleEventName: name, startTime: new Date(a), endTime: done ? new Date(b) : undefined, status: done ? 'Succeeded' : 'InProgress' };
      });
    });
  }

  private find(id: string): CdDeployment {
    const d = this.deployments.find((x) => x.id === id);
    if (!d) throw new AwsError('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`);
    return d;
  }
}
