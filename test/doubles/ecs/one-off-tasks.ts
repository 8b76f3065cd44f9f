/**
 * TEST DOUBLE. One-off tasks started by RunTask (and the stopped tasks of failing service
 * deployments): lastStatus PROVISIONING -> PENDING -> RUNNING -> STOPPED on the accelerated
 * clock, with the essential container's exit code, stopCode EssentialContainerExited and
 * stoppedReason "Essential container in task exited", as DescribeTasks shows them.
 */
import type { TaskDefinitionRecord } from './ecs-model';

export interface TaskRecord {
  taskArn: string;
  taskDefinitionArn: string;
  group: string;
  startedBy?: string;
  createdAt: Date;
  stoppedAt?: Date;
  stoppedReason?: string;
  stopCode?: string;
  lastStatus: string;
  desiredStatus: string;
  containers: { name: string; exitCode?: number; lastStatus: string; reason?: string }[];
  /** RunTask lifecycle: times at which it becomes PENDING, RUNNING, STOPPED. */
  schedule?: { pending: number; running: number; stopped: number; exitCode: number };
  overrides?: Record<string, unknown>;
  networkConfiguration?: Record<string, unknown>;
  /** Log lines still being written to CloudWatch Logs. */
  printing?: boolean;
}

export function newOneOffTask(
  body: Record<string, unknown>,
  td: TaskDefinitionRecord,
  o: { now: number; stageMs: number; exitCode: number; taskArn: string },
): TaskRecord {
  const s = o.stageMs;
  return {
    taskArn: o.taskArn,
    taskDefinitionArn: td.arn,
    group: String(body.group ?? `family:${td.family}`),
    startedBy: body.startedBy as string | undefined,
    createdAt: new Date(o.now),
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    containers: ((td.body.containerDefinitions as { name: string }[]) ?? []).map((c) => ({ name: c.name, lastStatus: 'PENDING' })),
    schedule: { pending: o.now + s, running: o.now + 2 * s, stopped: o.now + 4 * s, exitCode: o.exitCode },
    overrides: body.overrides as Record<string, unknown> | undefined,
    networkConfiguration: body.networkConfiguration as Record<string, unknown> | undefined,
  };
}

/** Moves a one-off task to where the clock says it is (never STOPPED before its log lines are stored). */
export function advanceOneOffTask(t: TaskRecord, now: number): void {
  const s = t.schedule;
  if (!s || t.lastStatus === 'STOPPED') return;
  if (now >= s.pending) t.lastStatus = 'PENDING';
  if (now >= s.running) {
    t.lastStatus = 'RUNNING';
    for (const c of t.containers) c.lastStatus = 'RUNNING';
  }
  if (now >= s.stopped && !t.printing) {
    t.lastStatus = 'STOPPED';
    t.desiredStatus = 'STOPPED';
    t.stoppedAt = new Date(Math.max(s.stopped, now - 1));
    t.stopCode = 'EssentialContainerExited';
    t.stoppedReason = 'Essential container in task exited';
    for (const c of t.containers) {
      c.lastStatus = 'STOPPED';
      c.exitCode = s.exitCode;
    }
  }
}
