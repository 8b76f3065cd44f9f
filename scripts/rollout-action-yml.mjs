#!/usr/bin/env node
// Writes actions/rollout/action.yml's inputs from the actions that own them: helm-deploy's deploy
// inputs and health-gate's analysis inputs, descriptions and defaults copied as they stand (the
// contract test checks they agree). Run after changing either action's inputs:
//   node scripts/rollout-action-yml.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const root = new URL('..', import.meta.url).pathname;
const read = (a) => YAML.parse(readFileSync(`${root}actions/${a}/action.yml`, 'utf8'));
// Keep in step with src/rollout/inputs.ts (the contract test compares this file with it).
const NOT_TAKEN = {
  'helm-deploy': ['action', 'canary-weight', 'revision', 'dry-run'],
  'ecs-deploy': [
    'action',
    'decision',
    'service-deployment-arn',
    'hook-id',
    'codedeploy-deployment-id',
    'canary-percent',
    'canary-bake-time',
    'linear-step-percent',
    'linear-step-bake-time',
    'pause-at',
    'wait-at-ready',
  ],
  'health-gate': [],
};
/** Inputs whose meaning differs in a rollout (the contract test allows exactly these). */
const OWN = {
  strategy: {
    description:
      'canary (setWeight steps; helm: a `<release>-canary` release beside stable) or blue-green (preview/promote steps; helm: `<release>-blue`/`-green` behind the `<release>` router).',
    default: 'canary',
  },
  'report-file': { description: 'Where to write the analysis-report JSON (every analysis step). Empty: not written to a file.' },
  wait: {
    default: null,
    description:
      "target helm: helm-deploy's wait (true/false, default true: wait until the pods are ready). target ecs: ecs-deploy's wait (a duration, default 30m: how long each wait for the service deployment may take; the end waits the bake time on top). Empty: that action's default.",
  },
  // helm-deploy's (the EKS cluster's region), ecs-deploy's and health-gate's (CloudWatch's): one value for all
  'aws-region': {
    description:
      'AWS region: of the EKS cluster (with cluster-name), of the ECS service (target ecs) and of the CloudWatch alarms and metrics the analysis reads. Credentials come from the job (e.g. aws-actions/configure-aws-credentials with OIDC).',
  },
};
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const lines = [];
const added = new Set();
const add = (name, spec, required = false) => {
  if (added.has(name)) return;
  added.add(name);
  lines.push(`  ${name}:`, `    description: ${q(spec.description)}`, `    required: ${required}`);
  if (spec.default !== undefined && spec.default !== null) lines.push(`    default: ${q(spec.default)}`);
};
add('target', {
  description:
    "Where the new version runs: helm (helm-deploy's canary and blue/green) or ecs (an ECS native canary, linear or blue/green service deployment held at PAUSE lifecycle hooks before each traffic shift, answered after each analysis; ecs-deploy's inputs).",
  default: 'helm',
});
add(
  'steps',
  {
    description:
      "The rollout steps in Argo Rollouts' vocabulary, inline YAML or a file path: setWeight (percent), pause {duration}, analysis {count, metrics, compareBaseline}; blue/green: preview, analysis, promote. Validated before anything is deployed.",
  },
  true,
);
for (const [source, skip] of Object.entries(NOT_TAKEN)) {
  lines.push(`  # ${source}'s inputs, same names and meaning`);
  for (const [name, spec] of Object.entries(read(source).inputs)) if (!skip.includes(name)) add(name, { ...spec, ...OWN[name] });
}
const head = `name: 'Shipline rollout'
description: 'Canary and blue/green rollouts as one typed step machine (Argo Rollouts steps): deploys, judges every analysis step with health-gate, promotes at the end, aborts and rolls back on a bad verdict; a post step aborts a cancelled rollout.'
author: 'Shipline'
branding:
  icon: 'trending-up'
  color: 'orange'
inputs:
`;
const tail = `outputs:
  result:
    description: 'promoted (the new version is stable), aborted (a step failed; all traffic back on stable) or failed (the abort failed too: check by hand).'
  reached-weight:
    description: 'The highest canary weight reached, percent (blue/green: 0 before the switch, 100 after).'
  analysis-report:
    description: 'JSON list, one entry per analysis step: step, weight, startedAt, verdict, rule, reason, accepted and health-gate's report.'
  revision:
    description: 'helm: the revision of the release now serving the new version (stable after a canary, the live colour after blue/green).'
  task-definition-arn:
    description: 'ecs: the task definition ARN now serving (empty for helm).'
runs:
  using: 'node24'
  main: '../../dist/rollout/index.js'
  post: '../../dist/rollout/post/index.js'
  post-if: 'always()'
`;
writeFileSync(`${root}actions/rollout/action.yml`, head + lines.join('\n') + '\n' + tail.replace("health-gate's", "health-gate''s"));
console.log('wrote actions/rollout/action.yml');
