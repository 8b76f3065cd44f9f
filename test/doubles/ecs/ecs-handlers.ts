/**
 * TEST DOUBLE. Amazon ECS operations over EcsModel, answering with the members (and only the
 * members) the ECS API reference's example responses show for DescribeServices, UpdateService,
 * Register/DescribeTaskDefinition, DescribeServiceDeployments, ListServiceDeployments,
 * DescribeServiceRevisions, Continue/StopServiceDeployment, RunTask, DescribeTasks, ListTasks.
 */
import { AwsError, type Handler } from './protocol';
import {
  ACCOUNT,
  REGION,
  circuitBreakerThreshold,
  type EcsModel,
  type ServiceDeploymentRecord,
  type ServiceRecord,
  type TaskDefinitionRecord,
  type TaskRecord,
} from './ecs-model';

import { taskSetsOf, taskSetView } from './task-sets';

const clusterArn = (c: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${c}`;

function tdView(t: TaskDefinitionRecord) {
  return {
    ...t.body,
    taskDefinitionArn: t.arn,
    revision: t.revision,
    status: 'ACTIVE',
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }, { name: 'ecs.capability.task-eni' }],
    compatibilities: ['EC2', 'FARGATE'],
    registeredAt: t.registeredAt,
    registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/github-deploy/GitHubActions`,
  };
}

function taskView(t: TaskRecord, cluster: string) {
  return {
    taskArn: t.taskArn,
    clusterArn: clusterArn(cluster),
    taskDefinitionArn: t.taskDefinitionArn,
    group: t.group,
    startedBy: t.startedBy,
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    createdAt: t.createdAt,
    stoppedAt: t.stoppedAt,
    stoppingAt: t.stoppedAt,
    stoppedReason: t.stoppedReason,
    stopCode: t.stopCode,
    overrides: t.overrides ?? { containerOverrides: [] },
    containers: t.containers.map((c) => ({
      containerArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/${cluster}/${t.taskArn.split('/').pop()}/${c.name}`,
      taskArn: t.taskArn,
      name: c.name,
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      reason: c.reason,
    })),
  };
}

export function ecsHandler(model: EcsModel): Handler {
  const serviceView = (svc: ServiceRecord) => {
    const d = model.deployments.find((x) => x.arn === svc.currentServiceDeployment);
    const step = d ? model.current(d) : undefined;
    const inFlight = d && !model.isTerminal(d);
    const newRunning = step?.running ?? svc.desiredCount;
    const rolledBack = step?.status === 'ROLLBACK_SUCCESSFUL';
    const legacy = [] as Record<string, unknown>[];
    const base = {
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      networkConfiguration: svc.networkConfiguration,
      failedTasks: d?.failureCount ?? 0,
    };
    const depId = (x: string) =>
      `ecs-svc/${x
        .slice(-19)
        .replace(/[^0-9]/g, '7')
        .padStart(19, '1')}`;
    if (d && inFlight) {
      legacy.push({
        id: depId(d.arn),
        status: 'PRIMARY',
        taskDefinition: d.target.taskDefinition,
        desiredCount: svc.desiredCount,
        pendingCount: 0,
        runningCount: newRunning,
        createdAt: d.createdAt,
        updatedAt: d.updatedAt,
        rolloutState: 'IN_PROGRESS',
        rolloutStateReason: 'ECS deployment in progress.',
        ...base,
      });
      legacy.push({
        id: depId(d.source.arn),
        status: 'ACTIVE',
        taskDefinition: d.source.taskDefinition,
        desiredCount: svc.desiredCount,
        pendingCount: 0,
        runningCount: svc.desiredCount,
        createdAt: d.source.createdAt,
        updatedAt: d.updatedAt,
        rolloutState: 'COMPLETED',
        rolloutStateReason: 'ECS deployment completed.',
        ...base,
      });
    } else {
      legacy.push({
        id: depId(rolledBack && d ? d.source.arn : svc.revision.arn),
        status: 'PRIMARY',
        taskDefinition: svc.taskDefinition,
        desiredCount: svc.desiredCount,
        pendingCount: 0,
        runningCount: svc.desiredCount,
        createdAt: d?.createdAt ?? svc.createdAt,
        updatedAt: d?.updatedAt ?? svc.createdAt,
        rolloutState: 'COMPLETED',
        rolloutStateReason: 'ECS deployment completed.',
        ...base,
      });
    }
    const running = legacy.reduce((n, x) => n + Number(x.runningCount), 0);
    return {
      serviceArn: svc.arn,
      serviceName: svc.name,
      clusterArn: clusterArn(svc.cluster),
      loadBalancers: svc.loadBalancers,
      serviceRegistries: [],
      status: 'ACTIVE',
      desiredCount: svc.desiredCount,
      runningCount: running,
      pendingCount: 0,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      platformFamily: 'Linux',
      taskDefinition: svc.taskDefinition,
      deploymentConfiguration: svc.deploymentConfiguration,
      deployments: legacy,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
      events: svc.events.slice(0, 100),
      createdAt: svc.createdAt,
      currentServiceDeployment: svc.currentServiceDeployment,
      placementConstraints: [],
      placementStrategy: [],
      networkConfiguration: svc.networkConfiguration,
      healthCheckGracePeriodSeconds: 0,
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: svc.controller },
      ...(svc.controller === 'CODE_DEPLOY' ? { taskSets: taskSetsOf(svc).map((t) => taskSetView(svc, t)) } : {}),
      createdBy: `arn:aws:iam::${ACCOUNT}:role/admin`,
      enableECSManagedTags: true,
      propagateTags: 'NONE',
      enableExecuteCommand: false,
      availabilityZoneRebalancing: 'ENABLED',
    };
  };

  const deploymentView = (d: ServiceDeploymentRecord) => {
    const step = model.current(d);
    const running = step.running ?? 0;
    const desired = d.service.desiredCount;
    const terminal = model.isTerminal(d);
    const rolledBack = step.status.startsWith('ROLLBACK');
    const alarmNames = (d.config.alarms as { alarmNames?: string[]; enable?: boolean } | undefined)?.alarmNames ?? [];
    const alarmsEnabled = Boolean((d.config.alarms as { enable?: boolean } | undefined)?.enable);
    const cbEnabled = Boolean((d.config.deploymentCircuitBreaker as { enable?: boolean } | undefined)?.enable);
    return {
      serviceDeploymentArn: d.arn,
      serviceArn: d.service.arn,
      clusterArn: clusterArn(d.service.cluster),
      createdAt: d.createdAt,
      startedAt: d.startedAt,
      finishedAt: step.status === 'STOPPED' ? undefined : d.finishedAt,
      stoppedAt: step.status === 'STOPPED' ? d.finishedAt : undefined,
      updatedAt: d.updatedAt,
      sourceServiceRevisions: [
        {
          arn: d.source.arn,
          requestedTaskCount: rolledBack ? desired : terminal ? 0 : desired,
          runningTaskCount: rolledBack || !terminal ? desired : 0,
          pendingTaskCount: 0,
        },
      ],
      targetServiceRevision: {
        arn: d.target.arn,
        requestedTaskCount: rolledBack ? 0 : desired,
        runningTaskCount: rolledBack ? 0 : running,
        pendingTaskCount: rolledBack ? 0 : Math.max(0, desired - running),
        requestedTestTrafficWeight: step.testWeight,
        requestedProductionTrafficWeight: step.productionWeight,
      },
      status: step.status,
      statusReason: d.statusReason,
      lifecycleStage: step.stage,
      lifecycleHookDetails: d.hooks.map((h) => ({
        hookId: h.hookId,
        targetType: h.targetType,
        status: h.status,
        expiresAt: h.expiresAt,
        timeoutAction: h.timeoutAction,
      })),
      deploymentConfiguration: d.config,
      rollback: d.rollback,
      deploymentCircuitBreaker: cbEnabled
        ? {
            status: d.failureCount >= circuitBreakerThreshold(desired) ? 'TRIGGERED' : terminal ? 'MONITORING_COMPLETE' : 'MONITORING',
            failureCount: d.failureCount,
            threshold: circuitBreakerThreshold(desired),
          }
        : { status: 'DISABLED', failureCount: 0, threshold: 0 },
      alarms: alarmsEnabled
        ? {
            status: d.triggeredAlarms.length ? 'TRIGGERED' : terminal ? 'MONITORING_COMPLETE' : 'MONITORING',
            alarmNames,
            triggeredAlarmNames: d.triggeredAlarms,
          }
        : { status: 'DISABLED' },
    };
  };

  return (operation, body) => {
    model.advanceAll();
    switch (operation) {
      case 'DescribeServices': {
        const names = (body.services as string[] | undefined) ?? [];
        const services = [];
        const failures = [];
        for (const n of names) {
          try {
            services.push(serviceView(model.service(body.cluster as string | undefined, n)));
          } catch {
            failures.push({ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${String(body.cluster ?? 'default')}/${n}`, reason: 'MISSING' });
          }
        }
        return { services, failures };
      }
      case 'DescribeTaskDefinition':
        return { taskDefinition: tdView(model.findTaskDefinition(String(body.taskDefinition ?? ''))), tags: [] };
      case 'RegisterTaskDefinition':
        return { taskDefinition: tdView(model.register(body)), tags: [] };
      case 'UpdateService': {
        const svc = model.service(body.cluster as string | undefined, String(body.service ?? ''));
        model.updateService(svc, body.taskDefinition as string | undefined, body.deploymentConfiguration as Record<string, unknown> | undefined);
        return { service: serviceView(svc) };
      }
      case 'DescribeServiceDeployments': {
        const arns = (body.serviceDeploymentArns as string[] | undefined) ?? [];
        if (arns.length === 0 || arns.length > 20) throw new AwsError('InvalidParameterException', 'serviceDeploymentArns must contain between 1 and 20 ARNs.');
        const found = arns.map((a) => model.deployments.find((d) => d.arn === a));
        return {
          serviceDeployments: found.filter((d): d is ServiceDeploymentRecord => Boolean(d)).map(deploymentView),
          failures: arns.filter((_, i) => !found[i]).map((a) => ({ arn: a, reason: 'MISSING', detail: 'The service deployment does not exist.' })),
        };
      }
      case 'ListServiceDeployments': {
        const svc = model.service(body.cluster as string | undefined, String(body.service ?? ''));
        const statuses = body.status as string[] | undefined;
        const list = model.deployments
          .filter((d) => d.service === svc && (!statuses || statuses.includes(model.current(d).status)))
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
          .map((d) => ({
            serviceDeploymentArn: d.arn,
            serviceArn: svc.arn,
            clusterArn: clusterArn(svc.cluster),
            startedAt: d.startedAt,
            createdAt: d.createdAt,
            finishedAt: d.finishedAt,
            targetServiceRevisionArn: d.target.arn,
            status: model.current(d).status,
            statusReason: d.statusReason,
          }));
        return { serviceDeployments: list };
      }
      case 'DescribeServiceRevisions': {
        const arns = (body.serviceRevisionArns as string[] | undefined) ?? [];
        const all = [...model.services.values()].flatMap((s) => s.revisions.map((r) => ({ r, s })));
        return {
          serviceRevisions: all
            .filter(({ r }) => arns.includes(r.arn))
            .map(({ r, s }) => ({
              serviceRevisionArn: r.arn,
              serviceArn: s.arn,
              clusterArn: clusterArn(s.cluster),
              taskDefinition: r.taskDefinition,
              launchType: 'FARGATE',
              platformVersion: '1.4.0',
              platformFamily: 'Linux',
              loadBalancers: s.loadBalancers,
              networkConfiguration: s.networkConfiguration,
              createdAt: r.createdAt,
            })),
          failures: arns.filter((a) => !all.some(({ r }) => r.arn === a)).map((a) => ({ arn: a, reason: 'MISSING' })),
        };
      }
      case 'ContinueServiceDeployment':
        model.continueDeployment(String(body.serviceDeploymentArn ?? ''), String(body.hookId ?? ''), String(body.action ?? 'CONTINUE'));
        return { serviceDeploymentArn: body.serviceDeploymentArn };
      case 'StopServiceDeployment':
        model.stopDeployment(String(body.serviceDeploymentArn ?? ''), String(body.stopType ?? 'ROLLBACK'));
        return { serviceDeploymentArn: body.serviceDeploymentArn };
      case 'RunTask': {
        const task = model.runTask(body);
        return { tasks: [taskView(task, String(body.cluster ?? 'default'))], failures: [] };
      }
      case 'DescribeTasks': {
        const cluster = String(body.cluster ?? 'default');
        const arns = (body.tasks as string[] | undefined) ?? [];
        const tasks = model.tasks.filter((t) => arns.includes(t.taskArn));
        return {
          tasks: tasks.map((t) => taskView(t, cluster)),
          failures: arns.filter((a) => !tasks.some((t) => t.taskArn === a)).map((a) => ({ arn: a, reason: 'MISSING' })),
        };
      }
      case 'ListTasks': {
        const desired = String(body.desiredStatus ?? 'RUNNING');
        const tasks = model.tasks.filter(
          (t) =>
            t.desiredStatus === desired &&
            (!body.serviceName || t.group === `service:${String(body.serviceName)}`) &&
            (!body.startedBy || t.startedBy === body.startedBy),
        );
        return { taskArns: tasks.map((t) => t.taskArn) };
      }
      default:
        throw new AwsError('UnknownOperationException', `The double does not implement ${operation}`);
    }
  };
}
