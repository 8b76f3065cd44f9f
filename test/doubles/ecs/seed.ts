/**
 * TEST DOUBLE set-up: a Fargate service that has run for a day, as a real one would be found:
 * task definition revision 1 (an app container with awslogs and a log router sidecar), awsvpc
 * network configuration, a load balancer target group, the circuit breaker with rollback, and
 * one SUCCESSFUL service deployment in its history.
 */
import type { EcsModel, ServiceDeploymentRecord, ServiceRecord } from './ecs-model';
import { ACCOUNT, REGION, arn, deploymentId } from './ids';

export interface SeedServiceInput {
  cluster?: string;
  service?: string;
  desiredCount?: number;
  controller?: 'ECS' | 'CODE_DEPLOY';
  strategy?: string;
  containers?: Record<string, unknown>[];
  family?: string;
}

export function seedService(model: EcsModel, input: SeedServiceInput): ServiceRecord {
  const cluster = input.cluster ?? 'default';
  const name = input.service ?? 'web';
  const td = model.register({
    family: input.family ?? name,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
    containerDefinitions: input.containers ?? [
      {
        name: 'app',
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web@sha256:${'1'.repeat(64)}`,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' } },
      },
      { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0', essential: false },
    ],
  });
  const rev = model.newRevision(cluster, name, td.arn);
  const svc: ServiceRecord = {
    name,
    arn: arn(`service/${cluster}/${name}`),
    cluster,
    taskDefinition: td.arn,
    desiredCount: input.desiredCount ?? 2,
    controller: input.controller ?? 'ECS',
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      strategy: input.strategy ?? 'ROLLING',
    },
    networkConfiguration: {
      awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60718'], securityGroups: ['sg-0123456789abcdef0'], assignPublicIp: 'DISABLED' },
    },
    loadBalancers: [
      {
        targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/web-blue/0123456789abcdef`,
        containerName: 'app',
        containerPort: 8080,
      },
    ],
    createdAt: new Date(model.now() - 86_400_000),
    revision: rev,
    revisions: [rev],
    events: [],
  };
  model.services.set(`${cluster}/${name}`, svc);
  // A first deployment that succeeded a day ago, as a real service would have.
  const first: ServiceDeploymentRecord = {
    arn: arn(`service-deployment/${cluster}/${name}/${deploymentId()}`),
    service: svc,
    source: rev,
    target: rev,
    config: svc.deploymentConfiguration,
    createdAt: svc.createdAt,
    startedAt: svc.createdAt,
    finishedAt: new Date(svc.createdAt.getTime() + 60_000),
    updatedAt: svc.createdAt,
    plan: [{ status: 'SUCCESSFUL', ms: 0 }],
    step: 0,
    stepStartedAt: svc.createdAt.getTime(),
    hooks: [],
    pausedSteps: new Set(),
    history: [{ at: svc.createdAt.getTime() + 60_000, status: 'SUCCESSFUL' }],
    failureCount: 0,
    triggeredAlarms: [],
  };
  model.deployments.push(first);
  svc.currentServiceDeployment = first.arn;
  return svc;
}
