/**
 * The few kubectl calls Helm cannot make: warning events for the failure summary, the stable
 * replica count (replica-ratio canaries) and the ALB weighted-routing annotation.
 */
import { ServiceError } from '../toolkit/errors';
import { lastLines, type Exec } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';

export interface ClusterEvent {
  lastSeen: string;
  type: string;
  reason: string;
  object: string;
  message: string;
}

export function parseEvents(text: string): ClusterEvent[] {
  const data = JSON.parse(text) as { items?: Record<string, unknown>[] };
  return (data.items ?? []).map((e) => {
    const obj = (e.involvedObject ?? {}) as { kind?: string; name?: string };
    return {
      lastSeen: String(e.lastTimestamp ?? e.eventTime ?? (e.metadata as { creationTimestamp?: string } | undefined)?.creationTimestamp ?? ''),
      type: String(e.type ?? ''),
      reason: String(e.reason ?? ''),
      object: `${obj.kind ?? '?'}/${obj.name ?? '?'}`,
      message: String(e.message ?? ''),
    };
  });
}

/** The ALB controller's forward action splitting traffic between the stable and canary Services. */
export function albWeightedAction(stableService: string, canaryService: string, canaryWeight: number, port = 80): string {
  return JSON.stringify({
    type: 'forward',
    forwardConfig: {
      targetGroups: [
        { serviceName: stableService, servicePort: port, weight: 100 - canaryWeight },
        { serviceName: canaryService, servicePort: port, weight: canaryWeight },
      ],
    },
  });
}

/** Canary replicas so canary/(stable+canary) is as close as whole pods allow to the weight. */
export function canaryReplicas(stableReplicas: number, weight: number): { replicas: number; effectiveWeight: number } {
  if (weight <= 0) return { replicas: 0, effectiveWeight: 0 };
  const stable = Math.max(1, stableReplicas);
  const replicas = weight >= 100 ? stable : Math.max(1, Math.round((stable * weight) / (100 - weight)));
  return { replicas, effectiveWeight: Math.round((100 * replicas) / (stable + replicas)) };
}

export class Kubectl {
  readonly commands: string[] = [];

  constructor(
    private readonly exec: Exec,
    private readonly env: NodeJS.ProcessEnv,
    private readonly reporter: Reporter,
  ) {}

  private async run(args: readonly string[], log: boolean): Promise<string> {
    const line = ['kubectl', ...args].join(' ');
    if (log) {
      this.commands.push(line);
      this.reporter.info(`$ ${line}`);
    }
    const r = await this.exec('kubectl', args, { env: this.env, timeoutMs: 120_000 });
    if (r.exitCode !== 0 || r.timedOut)
      throw new ServiceError(
        'kubectl',
        `'${line}' ${r.timedOut ? 'timed out' : `exited with ${r.exitCode}`}: ${lastLines(r.stderr, 1)}`,
        'Check cluster access and that the chart renders the resource',
      );
    return r.stdout;
  }

  /** Warning events of objects whose name starts with one of `prefixes` (the releases' resources). */
  async warningEvents(namespace: string, prefixes: readonly string[]): Promise<ClusterEvent[]> {
    const out = await this.run(['get', 'events', '--namespace', namespace, '--field-selector', 'type=Warning', '--output', 'json'], false);
    return parseEvents(out).filter((e) => prefixes.some((p) => e.object.split('/')[1]?.startsWith(p)));
  }

  async deploymentReplicas(namespace: string, name: string): Promise<number> {
    const out = await this.run(['get', 'deployment', name, '--namespace', namespace, '--output', 'jsonpath={.spec.replicas}'], false);
    const n = Number(out.trim());
    if (!Number.isInteger(n) || n < 0)
      throw new ServiceError('kubectl', `deployment ${name} reports replicas '${out.trim()}'`, 'The chart must name the stable Deployment after the release');
    return n;
  }

  /** Whether the object exists (NotFound is an answer; any other failure is not). */
  async exists(namespace: string, kind: string, name: string): Promise<boolean> {
    const args = ['get', kind, name, '--namespace', namespace, '--ignore-not-found', '--output', 'name'];
    return (await this.run(args, false)).trim() !== '';
  }

  async annotate(namespace: string, kind: string, name: string, key: string, value: string): Promise<void> {
    await this.run(['annotate', kind, name, '--namespace', namespace, '--overwrite', `${key}=${value}`], true);
  }
}
