/**
 * primaryTaskSetProblem: a CodeDeploy Succeeded is confirmed only by the PRIMARY task set that
 * DescribeServices shows (ECS API reference, TaskSet), with the reason naming what ECS shows.
 */
import type { Service, TaskSet } from '@aws-sdk/client-ecs';
import { primaryTaskSetProblem } from '../../src/ecs-deploy/task-set-check';

const NEW = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const OLD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const set = (over: Partial<TaskSet>): TaskSet => ({
  id: 'ecs-svc/1234567890123456789',
  status: 'PRIMARY',
  taskDefinition: NEW,
  externalId: 'd-ABCDEF123',
  runningCount: 2,
  computedDesiredCount: 2,
  stabilityStatus: 'STEADY_STATE',
  ...over,
});
const svc = (...taskSets: TaskSet[]): Service => ({ taskSets });
const expected = { taskDefinitionArn: NEW, deploymentId: 'd-ABCDEF123' };

describe('primaryTaskSetProblem', () => {
  it('confirms a PRIMARY task set of the new task definition, all tasks running, STEADY_STATE', () => {
    expect(primaryTaskSetProblem(svc(set({}), set({ status: 'DRAINING', taskDefinition: OLD })), expected)).toBeUndefined();
  });
  it('names the old task definition the PRIMARY task set still runs', () => {
    expect(primaryTaskSetProblem(svc(set({ taskDefinition: OLD, externalId: undefined })), expected)).toBe(
      `CodeDeploy reports Succeeded, but the service's PRIMARY task set ecs-svc/1234567890123456789 runs ${OLD}, not ${NEW}`,
    );
  });
  it('counts: fewer running than computedDesiredCount', () => {
    expect(primaryTaskSetProblem(svc(set({ runningCount: 1 })), expected)).toContain('runs 1 of 2 tasks');
  });
  it('stability: STABILIZING is not success; absent stabilityStatus is not held against it', () => {
    expect(primaryTaskSetProblem(svc(set({ stabilityStatus: 'STABILIZING' })), expected)).toContain('is STABILIZING, not STEADY_STATE');
    expect(primaryTaskSetProblem(svc(set({ stabilityStatus: undefined })), expected)).toBeUndefined();
  });
  it('no PRIMARY task set (or none at all) is never success', () => {
    expect(primaryTaskSetProblem(svc(set({ status: 'ACTIVE' })), expected)).toContain(`no PRIMARY task set for the service (ACTIVE ${NEW})`);
    expect(primaryTaskSetProblem({}, expected)).toContain('(no task sets)');
  });
  it('task definition unknown (continue): the PRIMARY task set must be the one this deployment created', () => {
    expect(primaryTaskSetProblem(svc(set({})), { deploymentId: 'd-ABCDEF123' })).toBeUndefined();
    expect(primaryTaskSetProblem(svc(set({ externalId: 'd-OTHER0000' })), { deploymentId: 'd-ABCDEF123' })).toContain(
      'was created by d-OTHER0000, not d-ABCDEF123',
    );
  });
});
