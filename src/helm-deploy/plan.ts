/**
 * dry-run: the command lines a run would write to the cluster, built by the same functions
 * the real run uses, without running any of them. Values only known from the cluster (the
 * idle colour, the stable replica count, the canary's digest) are shown as <placeholders>.
 */
import { albWeightedAction } from './kubectl';
import { displayCommand, rollbackArgs, uninstallArgs, upgradeArgs, type HelmMajor } from './helm';
import type { HelmDeployInputs } from './inputs';
import { albActionKey, canaryValues } from './strategies/canary';
import { plannedSetArgs } from './secret-values';
import { colorValues, routerValues } from './strategies/blue-green';
import { canaryName, colorName, imageValues, upgradeRequest } from './strategy';

export interface PlannedStep {
  why: string;
  command: string;
}

export function planCommands(inputs: HelmDeployInputs, major: HelmMajor): PlannedStep[] {
  const secrets = inputs.set.filter((s) => s.secret).map((s) => s.value);
  const helm = (args: string[]) => displayCommand('helm', args, secrets);
  const ctx = { inputs, set: plannedSetArgs(inputs.set) };
  const { release, namespace, timeoutMs, wait, strategy, action } = inputs;
  const upgrade = (name: string, values: { key: string; value: string }[]) => helm(upgradeArgs(major, upgradeRequest(ctx, name, values)));
  const uninstall = (name: string) => helm(uninstallArgs(major, name, namespace, timeoutMs, wait));
  const alb = (weight: number | string) =>
    displayCommand(
      'kubectl',
      [
        'annotate',
        'ingress',
        release,
        '--namespace',
        namespace,
        '--overwrite',
        `${albActionKey(release)}=${albWeightedAction(release, canaryName(release), Number(weight))}`,
      ],
      secrets,
    );
  const steps: PlannedStep[] = [];
  const add = (why: string, command: string) => steps.push({ why, command });
  const image = inputs.image ?? { repository: '<canary repository>', digest: '<canary digest>' };

  if (action === 'rollback') {
    if (strategy === 'canary') add('remove the canary, if any', uninstall(canaryName(release)));
    if (strategy === 'blue-green') add('switch the Service back to the other colour', upgrade(release, routerValues('<other colour>')));
    else add(`roll back to ${inputs.revision ?? 'the previous revision'}`, helm(rollbackArgs(major, release, namespace, inputs.revision, timeoutMs, wait)));
    return steps;
  }
  if (strategy === 'rolling') {
    add('rolling update to the pinned digest', upgrade(release, imageValues(inputs, image)));
  } else if (strategy === 'canary') {
    if (action === 'deploy') {
      const replicas = inputs.trafficRouter === 'replicas' ? '<from the stable Deployment>' : undefined;
      add(`canary beside stable at ${inputs.canaryWeight}%`, upgrade(canaryName(release), canaryValues(inputs, image, inputs.canaryWeight, replicas)));
      if (inputs.trafficRouter === 'alb') add('weight the ALB target groups', alb(inputs.canaryWeight));
    } else if (action === 'promote') {
      add('stable gets the canary digest', upgrade(release, imageValues(inputs, image)));
      if (inputs.trafficRouter === 'alb') add('all ALB traffic to stable', alb(0));
      add('remove the canary', uninstall(canaryName(release)));
    } else {
      if (inputs.trafficRouter === 'alb') add('all ALB traffic to stable', alb(0));
      add('remove the canary, stable untouched', uninstall(canaryName(release)));
    }
  } else if (action === 'deploy') {
    add('idle colour gets the new digest (blue on a first deploy)', upgrade(colorName(release, 'blue'), colorValues(inputs, image, 'blue')));
    add('switch the Service selector to it', upgrade(release, routerValues('blue')));
  } else if (action === 'abort') {
    add('switch the Service back to the other colour', upgrade(release, routerValues('<other colour>')));
  } else {
    add('retire the idle colour', uninstall(colorName(release, '<idle colour>')));
  }
  return steps;
}
