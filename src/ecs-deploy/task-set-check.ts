/**
 * Whether ECS really runs what AWS CodeDeploy reports as Succeeded. A service with the
 * CODE_DEPLOY deployment controller shows its task sets in DescribeServices `taskSets` (ECS API
 * reference, TaskSet: status PRIMARY | ACTIVE | DRAINING, taskDefinition, runningCount,
 * computedDesiredCount, stabilityStatus STEADY_STATE | STABILIZING, externalId = the CodeDeploy
 * deployment id that created it). Success needs the PRIMARY task set to be the new one, at
 * its computed desired count, and steady when ECS says how stable it is.
 */
import type { Service } from '@aws-sdk/client-ecs';

/**
 * The reason a Succeeded CodeDeploy deployment is not what the service runs, or undefined when
 * the PRIMARY task set confirms it. `taskDefinitionArn` is the new task definition when known
 * (deploy); otherwise (continue) the PRIMARY task set must carry `deploymentId` as externalId.
 */
export function primaryTaskSetProblem(service: Service, expected: { taskDefinitionArn?: string; deploymentId: string }): string | undefined {
  const sets = service.taskSets ?? [];
  const primary = sets.find((t) => t.status === 'PRIMARY');
  const seen = sets.map((t) => `${t.status ?? '?'} ${t.taskDefinition ?? '?'}`).join(', ') || 'no task sets';
  if (!primary) return `CodeDeploy reports Succeeded, but ECS shows no PRIMARY task set for the service (${seen})`;
  const td = primary.taskDefinition ?? 'nothing';
  if (expected.taskDefinitionArn && td !== expected.taskDefinitionArn)
    return `CodeDeploy reports Succeeded, but the service's PRIMARY task set ${primary.id ?? ''} runs ${td}, not ${expected.taskDefinitionArn}`;
  if (!expected.taskDefinitionArn && primary.externalId !== expected.deploymentId)
    return `CodeDeploy reports Succeeded, but the service's PRIMARY task set ${primary.id ?? ''} (${td}) was created by ${primary.externalId ?? 'no CodeDeploy deployment'}, not ${expected.deploymentId}`;
  const running = primary.runningCount ?? 0;
  const desired = primary.computedDesiredCount ?? 0;
  if (running < desired) return `CodeDeploy reports Succeeded, but the PRIMARY task set ${primary.id ?? ''} runs ${running} of ${desired} tasks of ${td}`;
  if (primary.stabilityStatus && primary.stabilityStatus !== 'STEADY_STATE')
    return `CodeDeploy reports Succeeded, but the PRIMARY task set ${primary.id ?? ''} (${td}) is ${primary.stabilityStatus}, not STEADY_STATE`;
  return undefined;
}
