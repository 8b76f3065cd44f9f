/**
 * The AWS operations ecs-deploy uses, as small injected interfaces (one per service), and
 * their real implementations: each SDK client is loaded by a dynamic import on the path that
 * needs it, and created without `endpoint`, so AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_ECS /
 * _CODEDEPLOY / _CLOUDWATCH_LOGS (test doubles, LocalStack) are the SDK's own business.
 */
import type * as Ecs from '@aws-sdk/client-ecs';
import type * as Cd from '@aws-sdk/client-codedeploy';
import type * as Logs from '@aws-sdk/client-cloudwatch-logs';
import { sleep } from '../toolkit/retry';

/** Amazon ECS API (JSON 1.1, AmazonEC2ContainerServiceV20141113): the operations we call. */
export interface EcsApi {
  describeServices(input: Ecs.DescribeServicesCommandInput): Promise<Ecs.DescribeServicesCommandOutput>;
  describeTaskDefinition(input: Ecs.DescribeTaskDefinitionCommandInput): Promise<Ecs.DescribeTaskDefinitionCommandOutput>;
  registerTaskDefinition(input: Ecs.RegisterTaskDefinitionCommandInput): Promise<Ecs.RegisterTaskDefinitionCommandOutput>;
  updateService(input: Ecs.UpdateServiceCommandInput): Promise<Ecs.UpdateServiceCommandOutput>;
  describeServiceDeployments(input: Ecs.DescribeServiceDeploymentsCommandInput): Promise<Ecs.DescribeServiceDeploymentsCommandOutput>;
  listServiceDeployments(input: Ecs.ListServiceDeploymentsCommandInput): Promise<Ecs.ListServiceDeploymentsCommandOutput>;
  describeServiceRevisions(input: Ecs.DescribeServiceRevisionsCommandInput): Promise<Ecs.DescribeServiceRevisionsCommandOutput>;
  continueServiceDeployment(input: Ecs.ContinueServiceDeploymentCommandInput): Promise<Ecs.ContinueServiceDeploymentCommandOutput>;
  stopServiceDeployment(input: Ecs.StopServiceDeploymentCommandInput): Promise<Ecs.StopServiceDeploymentCommandOutput>;
  runTask(input: Ecs.RunTaskCommandInput): Promise<Ecs.RunTaskCommandOutput>;
  describeTasks(input: Ecs.DescribeTasksCommandInput): Promise<Ecs.DescribeTasksCommandOutput>;
  listTasks(input: Ecs.ListTasksCommandInput): Promise<Ecs.ListTasksCommandOutput>;
}

/** AWS CodeDeploy API (JSON 1.1, CodeDeploy_20141006): the operations we call. */
export interface CodeDeployApi {
  getDeploymentGroup(input: Cd.GetDeploymentGroupCommandInput): Promise<Cd.GetDeploymentGroupCommandOutput>;
  createDeployment(input: Cd.CreateDeploymentCommandInput): Promise<Cd.CreateDeploymentCommandOutput>;
  getDeployment(input: Cd.GetDeploymentCommandInput): Promise<Cd.GetDeploymentCommandOutput>;
  continueDeployment(input: Cd.ContinueDeploymentCommandInput): Promise<Cd.ContinueDeploymentCommandOutput>;
  stopDeployment(input: Cd.StopDeploymentCommandInput): Promise<Cd.StopDeploymentCommandOutput>;
  /** Optional (added later): without them the summary shows statuses but not lifecycle events. */
  listDeploymentTargets?(input: Cd.ListDeploymentTargetsCommandInput): Promise<Cd.ListDeploymentTargetsCommandOutput>;
  getDeploymentTarget?(input: Cd.GetDeploymentTargetCommandInput): Promise<Cd.GetDeploymentTargetCommandOutput>;
}

/** CloudWatch Logs: only GetLogEvents (the migration task's last lines). */
export interface LogsApi {
  getLogEvents(input: Logs.GetLogEventsCommandInput): Promise<Logs.GetLogEventsCommandOutput>;
}

/** The real ECS client (dynamic import; region from the input or the environment). */
export async function loadEcsApi(region?: string): Promise<EcsApi> {
  const sdk = await import('@aws-sdk/client-ecs');
  const client = new sdk.ECSClient(region ? { region } : {});
  return {
    describeServices: (i) => client.send(new sdk.DescribeServicesCommand(i)),
    describeTaskDefinition: (i) => client.send(new sdk.DescribeTaskDefinitionCommand(i)),
    registerTaskDefinition: (i) => client.send(new sdk.RegisterTaskDefinitionCommand(i)),
    updateService: (i) => client.send(new sdk.UpdateServiceCommand(i)),
    describeServiceDeployments: (i) => client.send(new sdk.DescribeServiceDeploymentsCommand(i)),
    listServiceDeployments: (i) => client.send(new sdk.ListServiceDeploymentsCommand(i)),
    describeServiceRevisions: (i) => client.send(new sdk.DescribeServiceRevisionsCommand(i)),
    continueServiceDeployment: (i) => client.send(new sdk.ContinueServiceDeploymentCommand(i)),
    stopServiceDeployment: (i) => client.send(new sdk.StopServiceDeploymentCommand(i)),
    runTask: (i) => client.send(new sdk.RunTaskCommand(i)),
    describeTasks: (i) => client.send(new sdk.DescribeTasksCommand(i)),
    listTasks: (i) => client.send(new sdk.ListTasksCommand(i)),
  };
}

/** The real CodeDeploy client, loaded only for strategy: codedeploy. */
export async function loadCodeDeployApi(region?: string): Promise<CodeDeployApi> {
  const sdk = await import('@aws-sdk/client-codedeploy');
  const client = new sdk.CodeDeployClient(region ? { region } : {});
  return {
    getDeploymentGroup: (i) => client.send(new sdk.GetDeploymentGroupCommand(i)),
    createDeployment: (i) => client.send(new sdk.CreateDeploymentCommand(i)),
    getDeployment: (i) => client.send(new sdk.GetDeploymentCommand(i)),
    continueDeployment: (i) => client.send(new sdk.ContinueDeploymentCommand(i)),
    stopDeployment: (i) => client.send(new sdk.StopDeploymentCommand(i)),
    listDeploymentTargets: (i) => client.send(new sdk.ListDeploymentTargetsCommand(i)),
    getDeploymentTarget: (i) => client.send(new sdk.GetDeploymentTargetCommand(i)),
  };
}

/** The real CloudWatch Logs client, loaded only when a migration task has awslogs. */
export async function loadLogsApi(region?: string): Promise<LogsApi> {
  const sdk = await import('@aws-sdk/client-cloudwatch-logs');
  const client = new sdk.CloudWatchLogsClient(region ? { region } : {});
  return { getLogEvents: (i) => client.send(new sdk.GetLogEventsCommand(i)) };
}

/** Wall clock and sleep, injected so tests and library users can drive time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(Math.max(0, ms)),
};

/** "ThrottlingException: Rate exceeded" style text for an AWS SDK error (name, message; no request data). */
export function awsErrorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
