/**
 * TEST DOUBLE. ECS task sets of a service with the CODE_DEPLOY deployment controller, as
 * DescribeServices returns them in `taskSets` (ECS API reference, TaskSet shape: id, taskSetArn,
 * serviceArn, clusterArn, startedBy, externalId, status PRIMARY | ACTIVE | DRAINING,
 * taskDefinition, computedDesiredCount, pendingCount, runningCount, createdAt, updatedAt,
 * launchType, platformVersion, platformFamily, networkConfiguration, loadBalancers,
 * serviceRegistries, scale, stabilityStatus, stabilityStatusAt). CodeDeploy creates the
 * replacement task set ACTIVE and makes it PRIMARY when the deployment ends.
 */
import { ACCOUNT, REGION } from './ids';
import type { ServiceRecord } from './ecs-model';

export interface TaskSetRecord {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  taskDefinition: string;
  /** The CodeDeploy deployment id that created it (absent for the original task set). */
  externalId?: string;
  runningCount: number;
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
  createdAt: Date;
  updatedAt: Date;
  stabilityStatusAt: Date;
}

/** Task set ids look like the API reference's `ecs-svc/1234567890123456789`. */
export const taskSetId = () => `ecs-svc/${String(Date.now()).padStart(13, '0')}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;

/** The service's task sets, creating the original PRIMARY one (the seeded task definition) on first use. */
export function taskSetsOf(svc: ServiceRecord): TaskSetRecord[] {
  if (!svc.taskSets) {
    svc.taskSets = [
      {
        id: taskSetId(),
        status: 'PRIMARY',
        taskDefinition: svc.taskDefinition,
        runningCount: svc.desiredCount,
        stabilityStatus: 'STEADY_STATE',
        createdAt: svc.createdAt,
        updatedAt: svc.createdAt,
        stabilityStatusAt: svc.createdAt,
      },
    ];
  }
  return svc.taskSets;
}

export function taskSetView(svc: ServiceRecord, t: TaskSetRecord) {
  return {
    id: t.id,
    taskSetArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-set/${svc.cluster}/${svc.name}/${t.id}`,
    serviceArn: svc.arn,
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${svc.cluster}`,
    ...(t.externalId ? { startedBy: 'CodeDeploy', externalId: t.externalId } : {}),
    status: t.status,
    taskDefinition: t.taskDefinition,
    computedDesiredCount: svc.desiredCount,
    pendingCount: Math.max(0, svc.desiredCount - t.runningCount),
    runningCount: t.runningCount,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    networkConfiguration: svc.networkConfiguration,
    loadBalancers: svc.loadBalancers,
    serviceRegistries: [],
    scale: { value: 100.0, unit: 'PERCENT' },
    stabilityStatus: t.stabilityStatus,
    stabilityStatusAt: t.stabilityStatusAt,
  };
}
