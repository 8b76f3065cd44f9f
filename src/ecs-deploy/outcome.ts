/**
 * What a deployment came to, in the terms the step reports: the status output and everything
 * the summary shows (timeline, task counts, stopped tasks, alarms).
 */

/** The `status` output. Only `succeeded` (and `paused`, awaiting a decision) exit 0 from deploy. */
export type DeploymentResult = 'succeeded' | 'paused' | 'rolled-back' | 'failed' | 'timed-out' | 'superseded';

/** One observed change of a deployment's status or lifecycle stage. `at` is when we saw it (ms epoch). */
export interface TimelineEntry {
  at: number;
  status: string;
  /** ECS lifecycleStage (RECONCILE_SERVICE ... CLEAN_UP) or a CodeDeploy lifecycle event; may be empty for rolling. */
  stage?: string;
  /** Production / test traffic weight on the new revision, when ECS reports it (percent). */
  productionWeight?: number;
  testWeight?: number;
}

/** A task of the new revision that stopped, with ECS's reason (DescribeTasks stoppedReason). */
export interface StoppedTask {
  taskArn: string;
  taskDefinitionArn?: string;
  stoppedReason?: string;
  stopCode?: string;
  exitCodes: { container: string; exitCode?: number; reason?: string }[];
  stoppedAt?: number;
}

export interface DeploymentOutcome {
  result: DeploymentResult;
  /** ECS service deployment ARN, or the CodeDeploy deployment id for CodeDeploy. */
  deploymentId: string;
  /** The final raw status from ECS (SUCCESSFUL, ROLLBACK_SUCCESSFUL, ...) or CodeDeploy (Succeeded, Stopped, ...). */
  rawStatus?: string;
  statusReason?: string;
  /** PAUSE lifecycle hook awaiting action (result paused, ECS native). */
  hookId?: string;
  pausedStage?: string;
  rollbackReason?: string;
  triggeredAlarms: string[];
  alarms: string[];
  circuitBreaker?: { status?: string; failureCount?: number; threshold?: number };
  /** The deployment that replaced ours (result superseded). */
  supersededBy?: string;
  runningCount?: number;
  desiredCount?: number;
  pendingCount?: number;
  timeline: TimelineEntry[];
  stoppedTasks: StoppedTask[];
  /** Polls made while waiting, and the AWS calls they made (for the bench and the log). */
  polls: number;
  pollCalls: number;
  /** When the wait loop noticed a terminal or paused state (ms epoch). */
  noticedAt?: number;
}

export function emptyOutcome(result: DeploymentResult, deploymentId: string): DeploymentOutcome {
  return { result, deploymentId, triggeredAlarms: [], alarms: [], timeline: [], stoppedTasks: [], polls: 0, pollCalls: 0 };
}

/** Where a paused deployment stands, e.g. "PRE_PRODUCTION_TRAFFIC_SHIFT, production traffic 10%" (the last weight ECS reported). */
export function pausedAt(o: DeploymentOutcome): string {
  const weight = o.timeline.at(-1)?.productionWeight;
  return `${o.pausedStage ?? 'Ready'}${weight === undefined ? '' : `, production traffic ${weight}%`}`;
}
