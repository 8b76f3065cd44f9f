/**
 * The workflows' own shell steps, run with bash exactly as the runner runs them (env in, GITHUB_OUTPUT
 * and the job summary out): the approval brief, CI's per-service records and their merge, the
 * deploy template's image check, and the notification webhook. (The rollout's steps are no bash:
 * the rollout action validates and runs them; see test/unit/rollout-*.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT, callerMismatches, jobs, loadWorkflow, steps, unpinnedUses } from '../helpers/workflow-rules';
import { runScript, stepScript } from '../helpers/workflow-script';
import { testTempDir } from '../helpers/temp';

/** Scratch workspaces shared by several script runs; removed after the file's tests. */
const workspaces: string[] = [];
const workspace = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  workspaces.push(dir);
  return dir;
};
afterAll(() => workspaces.forEach((d) => rmSync(d, { recursive: true, force: true })));

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const DIGEST2 = `sha256:${'cd'.repeat(32)}`;

describe('approval.yml brief', () => {
  const brief = stepScript('.github/workflows/approval.yml', 'brief', 'Write the approval brief to the run summary');
  const images = JSON.stringify([
    { name: 'web', image: 'reg.example.com/web', digest: DIGEST, 'image-ref': `reg.example.com/web@${DIGEST}` },
    { name: 'worker', image: 'reg.example.com/worker', digest: DIGEST2, 'image-ref': `reg.example.com/worker@${DIGEST2}` },
  ]);
  const env = (over: Record<string, string> = {}) => ({
    IMAGES: images,
    VULNERABILITIES: JSON.stringify({ web: { CRITICAL: 0, HIGH: 2, MEDIUM: 5, LOW: 9 } }),
    E2E_RESULT: 'success',
    LOAD_RESULT: 'success',
    HEALTH_VERDICT: 'pass',
    STRATEGY: 'canary',
    ROLLOUT_STEPS: '- setWeight: 10\n- analysis: {}\n- setWeight: 100',
    ENVIRONMENT: 'production',
    ...over,
  });

  it('shows the reviewer the digests, vulnerability counts, staging results and the plan', async () => {
    const r = await runScript(brief, env());
    expect(r.exitCode).toBe(0);
    expect(r.summary).toContain(`| web | \`reg.example.com/web\` | \`${DIGEST}\` | 0 | 2 | 5 | 9 |`);
    expect(r.summary).toContain(`| worker | \`reg.example.com/worker\` | \`${DIGEST2}\` | ? | ? | ? | ? |`); // unknown is not zero
    expect(r.summary).toContain('| E2E tests | success |');
    expect(r.summary).toContain('| health gate | pass |');
    expect(r.summary).toContain('Canary, by the rollout action: traffic moved at each setWeight, a health-gate analysis at each analysis step');
    expect(r.summary).toContain('```yaml\n- setWeight: 10\n- analysis: {}\n- setWeight: 100\n```'); // the steps production runs, as given
  });

  it('names the commit being approved and plans blue/green in the order production.yml runs it', async () => {
    const r = await runScript(brief, env({ STRATEGY: 'blue-green', GITHUB_SHA: 'f'.repeat(40), GITHUB_REF_NAME: 'main', GITHUB_TRIGGERING_ACTOR: 'octocat' }));
    expect(r.exitCode).toBe(0);
    expect(r.summary).toContain(`Commit \`${'f'.repeat(40)}\` on \`main\`, run started by octocat.`);
    expect(r.summary).toContain('Blue/green, by the rollout action: the new colour beside the live one, traffic switched at promote');
    expect(r.summary).not.toContain('Canary, by');
  });

  it('fails closed: nothing to approve, or a staging health gate that did not pass', async () => {
    expect((await runScript(brief, env({ IMAGES: '[]' }))).exitCode).toBe(1);
    const failed = await runScript(brief, env({ HEALTH_VERDICT: 'inconclusive' }));
    expect(failed.exitCode).toBe(1);
    expect(failed.errors).toEqual([expect.stringContaining("'inconclusive', not pass")]);
    expect(failed.summary).toContain('| health gate | inconclusive |'); // the reviewer still sees why
  });
});

describe('ci.yml: per-service records and their merge', () => {
  const record = stepScript('.github/workflows/ci.yml', 'build', 'Record the result for the collect job');
  const merge = stepScript('.github/workflows/ci.yml', 'collect', 'merge');
  const services = JSON.stringify([{ name: 'web' }, { name: 'worker' }]);

  it('merges every service into the images and vulnerabilities outputs', async () => {
    const ws = workspace('shipline-ci-');
    for (const [name, digest, vulns] of [
      ['web', DIGEST, '{"HIGH":1}'],
      ['worker', DIGEST2, ''],
    ] as const) {
      const r = await runScript(record, { NAME: name, IMAGE: `reg/${name}`, DIGEST: digest, IMAGE_REF: `reg/${name}@${digest}`, VULNERABILITIES: vulns }, ws);
      expect(r.exitCode).toBe(0);
    }
    const r = await runScript(merge, { SERVICES: services }, ws);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.outputs.images)).toEqual([
      { name: 'web', image: 'reg/web', digest: DIGEST, 'image-ref': `reg/web@${DIGEST}` },
      { name: 'worker', image: 'reg/worker', digest: DIGEST2, 'image-ref': `reg/worker@${DIGEST2}` },
    ]);
    expect(JSON.parse(r.outputs.vulnerabilities)).toEqual({ web: { HIGH: 1 }, worker: {} });
    expect(r.summary).toContain(`| web | \`reg/web@${DIGEST}\` | yes |`);
    expect([r.outputs.digest, r.outputs.image, r.outputs['image-ref']]).toEqual([undefined, undefined, undefined]); // several services: use images
  });

  it('gives one service its digest, image and image-ref as plain outputs too', async () => {
    const ws = workspace('shipline-ci-');
    await runScript(record, { NAME: 'shop', IMAGE: 'ghcr.io/acme/shop', DIGEST, IMAGE_REF: `ghcr.io/acme/shop@${DIGEST}`, VULNERABILITIES: '{}' }, ws);
    const r = await runScript(merge, { SERVICES: JSON.stringify([{ name: 'shop', context: '.' }]) }, ws);
    expect(r.exitCode).toBe(0);
    expect([r.outputs.digest, r.outputs.image, r.outputs['image-ref']]).toEqual([DIGEST, 'ghcr.io/acme/shop', `ghcr.io/acme/shop@${DIGEST}`]);
  });

  it('keeps the digest of an image built and scanned without a push (pull requests), and says it was not pushed', async () => {
    const ws = workspace('shipline-ci-');
    await runScript(record, { NAME: 'web', IMAGE: 'reg/web', DIGEST, IMAGE_REF: '', VULNERABILITIES: '{"HIGH":0}' }, ws);
    const r = await runScript(merge, { SERVICES: JSON.stringify([{ name: 'web' }]) }, ws);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.outputs.images)).toEqual([{ name: 'web', image: 'reg/web', digest: DIGEST, 'image-ref': '' }]);
    expect(r.summary).toContain(`| web | \`reg/web@${DIGEST}\` | no |`);
  });

  it('fails when a service has no digest', async () => {
    const ws = workspace('shipline-ci-');
    await runScript(record, { NAME: 'web', IMAGE: 'reg/web', DIGEST, IMAGE_REF: `reg/web@${DIGEST}`, VULNERABILITIES: '{}' }, ws);
    await runScript(record, { NAME: 'worker', IMAGE: 'reg/worker', DIGEST: '', IMAGE_REF: '', VULNERABILITIES: '{}' }, ws);
    const r = await runScript(merge, { SERVICES: services }, ws);
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining('expected 2 built services with digests, got 1')]);
  });
});

describe('ci.yml: defaults for one service at the root, GHCR, and forks', () => {
  const plan = stepScript('.github/workflows/ci.yml', 'plan', 'plan');
  const env = (over: Record<string, string> = {}) => ({ SERVICES: '', REGISTRY: '', REPOSITORY: 'Acme/Web-Shop', HEAD_REPOSITORY: '', ...over });

  it('builds one image named after the repository, in ghcr.io/<owner>, both lowercased', async () => {
    const r = await runScript(plan, env());
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({ services: '[{"name":"web-shop","context":"."}]', registry: 'ghcr.io/acme', fork: 'false' });
    expect(r.summary).toContain('Building web-shop for ghcr.io/acme');
  });

  it('keeps explicit services and registry as given', async () => {
    const services = '[{"name":"api","context":"api"},{"name":"worker","dockerfile":"worker/Dockerfile"}]';
    const r = await runScript(plan, env({ SERVICES: services, REGISTRY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop' }));
    expect(r.outputs).toEqual({ services: JSON.stringify(JSON.parse(services)), registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop', fork: 'false' });
  });

  it('knows a pull request from a fork (no push, no AWS role, no SARIF upload follow from it)', async () => {
    expect((await runScript(plan, env({ HEAD_REPOSITORY: 'mallory/web-shop' }))).outputs.fork).toBe('true');
    expect((await runScript(plan, env({ HEAD_REPOSITORY: 'Acme/Web-Shop' }))).outputs.fork).toBe('false');
    const build = Object.fromEntries(jobs(loadWorkflow('.github/workflows/ci.yml'))).build;
    const step = (name: string) => steps(build).find((s) => s.name === name || s.id === name)!;
    expect(String(step('AWS credentials (OIDC)').if)).toContain("needs.plan.outputs.fork != 'true'");
    expect(String(step('Upload SARIF to code scanning').if)).toContain("needs.plan.outputs.fork != 'true'");
    expect((step('build').with as Record<string, string>).push).toBe("${{ inputs.push && needs.plan.outputs.fork != 'true' }}");
  });

  it.each(['[]', '{"name":"web"}', '[{"name":"Web"}]', 'not json'])('refuses services %s with one error', async (services) => {
    const r = await runScript(plan, env({ SERVICES: services }));
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining('services must be a non-empty JSON list')]);
  });
});

describe('ci.yml: SARIF locations', () => {
  const script = stepScript('.github/workflows/ci.yml', 'build', 'sarif');

  it('point at the Dockerfile in the repository, not in the app/ checkout', async () => {
    const ws = workspace('shipline-ci-');
    const location = (uri: string) => ({ physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } } });
    const sarif = (uri: string) => ({
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'Trivy' } }, results: [{ ruleId: 'CVE-1', locations: [location(uri)] }] }],
    });
    const file = path.join(ws, 'trivy-results.sarif');
    writeFileSync(file, JSON.stringify(sarif('app/services/api/Dockerfile')));
    const r = await runScript(script, { SARIF: file }, ws);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(sarif('services/api/Dockerfile'));
  });
});

describe('staging.yml: what a failed staging returns to', () => {
  const record = stepScript('.github/workflows/staging.yml', 'deploy', 'Record the revision to return to');
  const recorded = stepScript('.github/workflows/staging.yml', 'rollback', 'recorded');

  it('returns each successfully deployed service to its revision before this run', async () => {
    const ws = workspace('shipline-ci-');
    expect((await runScript(record, { NAME: 'web', PREVIOUS: '7', REVISION: '8' }, ws)).exitCode).toBe(0);
    const r = await runScript(recorded, { NAME: 'web' }, ws);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({ revision: '7' });
  });

  it('undoes nothing for a service without a successful deploy, and warns about a first install', async () => {
    const ws = workspace('shipline-ci-');
    const none = await runScript(recorded, { NAME: 'worker' }, ws);
    expect([none.exitCode, none.outputs]).toEqual([0, {}]);
    expect(none.stdout).toContain('worker: no successful deploy in this run, nothing to undo');
    await runScript(record, { NAME: 'web', PREVIOUS: '', REVISION: '1' }, ws);
    const first = await runScript(recorded, { NAME: 'web' }, ws);
    expect([first.exitCode, first.outputs]).toEqual([0, {}]);
    expect(first.stdout).toContain('::warning::web was first installed by this run: there is no earlier revision to return to, so it stays at revision 1');
  });
});

describe('shipline-deploy.yml template: the image to deploy', () => {
  const script = stepScript('workflows-templates/shipline-deploy.yml', 'image', 'images');

  it('turns an image@digest into the images list the stages take', async () => {
    const r = await runScript(script, { IMAGE_REF: `123.dkr.ecr.eu-west-1.amazonaws.com/shop/web@${DIGEST}` });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.outputs.images)).toEqual([
      {
        name: 'web',
        image: '123.dkr.ecr.eu-west-1.amazonaws.com/shop/web',
        digest: DIGEST,
        'image-ref': `123.dkr.ecr.eu-west-1.amazonaws.com/shop/web@${DIGEST}`,
      },
    ]);
  });

  it.each(['reg.example.com/web:latest', 'reg.example.com/web@sha256:abc', '$(touch /tmp/x)@' + DIGEST])('refuses %s', async (ref) => {
    const r = await runScript(script, { IMAGE_REF: ref });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining('must be registry/repository@sha256')]);
  });
});

describe('starter templates: the settings check', () => {
  const pipeline = stepScript('workflows-templates/shipline-pipeline.yml', 'settings', 'settings');
  const complete = {
    REQUIRED_AWS_REGION: 'eu-west-1',
    REQUIRED_SHIPLINE_REGISTRY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop',
    REQUIRED_SHIPLINE_CI_ROLE_ARN: 'arn:aws:iam::123456789012:role/ci',
    SHIPLINE_SERVICES: '',
    REPOSITORY_NAME: 'web-shop',
  };

  it('passes when every required variable is set and the repository name is an image name', async () => {
    const r = await runScript(pipeline, complete);
    expect(r.exitCode).toBe(0);
    expect(r.errors).toEqual([]);
  });

  it('names every missing variable in one error', async () => {
    const r = await runScript(pipeline, { ...complete, REQUIRED_AWS_REGION: '', REQUIRED_SHIPLINE_CI_ROLE_ARN: '' });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining('set the repository or organisation variables AWS_REGION SHIPLINE_CI_ROLE_ARN')]);
  });

  it('asks for SHIPLINE_SERVICES when the repository name cannot name an image', async () => {
    const r = await runScript(pipeline, { ...complete, REPOSITORY_NAME: 'WebShop' });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining("'WebShop' is not a valid lowercase image name: set SHIPLINE_SERVICES")]);
    expect((await runScript(pipeline, { ...complete, REPOSITORY_NAME: 'WebShop', SHIPLINE_SERVICES: '[{"name": "web"}]' })).exitCode).toBe(0);
  });

  it.each(['shipline-deploy.yml'])('%s checks its settings the same way', (file) => {
    const script = stepScript(`workflows-templates/${file}`, 'settings', 'settings');
    expect(script.split('\n').slice(0, 3)).toEqual(pipeline.split('\n').slice(0, 3));
  });
});

describe('production.yml notification', () => {
  const notify = stepScript('.github/workflows/production.yml', 'deploy', 'Notify');
  let server: Server;
  let bodies: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        bodies.push(b);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => (bodies = []));

  const env = (status: string, url: string, over: Record<string, string> = {}) => ({
    WEBHOOK_URL: url,
    JOB_STATUS: status,
    SERVICE: 'web',
    IMAGE: `prod/web@${DIGEST}`,
    STRATEGY: 'canary',
    RESULT: '',
    RUN_URL: 'https://github.com/o/r/actions/runs/1',
    ...over,
  });
  const texts = () => bodies.map((b) => (JSON.parse(b) as { text: string }).text);

  it('says what happened to production traffic, as Slack-compatible JSON', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    for (const [status, over] of [
      ['success', {}],
      ['failure', { RESULT: 'aborted' }],
      ['cancelled', { STRATEGY: 'blue-green', RESULT: 'aborted' }],
      ['failure', { RESULT: 'failed' }],
      ['failure', { STRATEGY: 'blue-green', RESULT: '' }],
    ] as const)
      expect((await runScript(notify, env(status, url, over))).exitCode).toBe(0);
    const run = 'https://github.com/o/r/actions/runs/1';
    expect(texts()).toEqual([
      `Production deploy of web succeeded (canary): prod/web@${DIGEST} ${run}`,
      `Production deploy of web FAILED (canary, failure): the rollout was aborted; all traffic is back on stable. prod/web@${DIGEST} ${run}`,
      `Production deploy of web FAILED (blue-green, cancelled): the rollout was aborted; all traffic is back on stable. prod/web@${DIGEST} ${run}`,
      `Production deploy of web FAILED (canary, failure): ROLLBACK FAILED: check the release by hand. prod/web@${DIGEST} ${run}`,
      `Production deploy of web FAILED (blue-green, failure): production traffic was not moved to it. prod/web@${DIGEST} ${run}`,
    ]);
  });

  it('is also sent when the promotion to the production registry fails: promotion and rollout are one job, notified last, always', () => {
    const deploy = steps(Object.fromEntries(jobs(loadWorkflow('.github/workflows/production.yml'))).deploy);
    const names = deploy.map((s) => String(s.id ?? s.name ?? ''));
    expect(names.indexOf('promote')).toBeLessThan(names.indexOf('rollout'));
    expect(deploy[deploy.length - 1]).toMatchObject({ name: 'Notify', if: 'always()' });
  });

  it('fails the run loudly, and tells the webhook, when an approved deploy was cancelled before it finished (replaced in the queue)', async () => {
    const outcome = stepScript('.github/workflows/production.yml', 'outcome', 'Fail loudly when an approved deploy did not run');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const images = JSON.stringify([{ name: 'web' }, { name: 'worker' }]);
    const base = { WEBHOOK_URL: url, IMAGES: images, RUN_URL: 'https://github.com/o/r/actions/runs/7' };
    const dropped = await runScript(outcome, { ...base, DEPLOY_RESULT: 'cancelled' });
    expect(dropped.exitCode).toBe(1);
    expect(dropped.errors).toEqual([expect.stringContaining('Production deploy of web, worker was CANCELLED before it finished')]);
    expect(texts()).toEqual([expect.stringContaining('re-run it to deploy them. https://github.com/o/r/actions/runs/7')]);
    for (const result of ['success', 'failure']) {
      const r = await runScript(outcome, { ...base, DEPLOY_RESULT: result });
      expect([result, r.exitCode, r.summary]).toEqual([result, 0, `production deploy: ${result}\n`]); // the deploy job itself reported those
    }
    expect(texts()).toHaveLength(1);
  });

  it('sends nothing without a webhook, and fails when the webhook refuses', async () => {
    const none = await runScript(notify, env('success', ''));
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toContain('no notification sent');
    expect(bodies).toEqual([]);
    expect((await runScript(notify, env('success', 'http://127.0.0.1:1/closed'))).exitCode).not.toBe(0);
  });
});

describe('locating the Shipline revision from the job OIDC token', () => {
  const locate = stepScript('.github/workflows/ci.yml', 'build', 'shipline');
  let server: Server;
  const requests: { url: string; auth: string }[] = [];
  const claims = {
    job_workflow_ref: 'acme/shipline/.github/workflows/ci.yml@refs/tags/v1.4.0',
    job_workflow_sha: '1234567890abcdef1234567890abcdef12345678',
  };
  beforeAll(async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'RS256' })}.${b64(claims)}.signature`;
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', auth: req.headers.authorization ?? '' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: jwt }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('checks out the repository and commit the caller pinned, as named by job_workflow_ref and job_workflow_sha', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`;
    const r = await runScript(locate, { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({ repository: 'acme/shipline', sha: claims.job_workflow_sha });
    expect(requests).toEqual([{ url: '/token?api-version=2.0&audience=shipline', auth: 'bearer request-token' }]);
    expect(r.stdout).toContain('::add-mask::'); // the token is masked before anything else
  });

  it('needs no token at all in a released workflow, which names its own revision (pull requests from forks)', async () => {
    const before = requests.length;
    const r = await runScript(locate, { SHIPLINE_REPOSITORY: 'acme/shipline', SHIPLINE_SHA: 'c'.repeat(40) });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({ repository: 'acme/shipline', sha: 'c'.repeat(40) });
    expect(requests.length).toBe(before);
    // every workflow that locates Shipline carries the lines release.yml fills in
    const locating = readdirSync(path.join(ROOT, '.github', 'workflows')).filter((f) =>
      readFileSync(path.join(ROOT, '.github', 'workflows', f), 'utf8').includes('job_workflow_sha'),
    );
    expect(locating).toEqual(expect.arrayContaining(['ci.yml', 'staging.yml', 'production.yml', 'gitops.yml']));
    for (const file of locating)
      expect([file, loadWorkflow(`.github/workflows/${file}`).doc.env]).toEqual([file, expect.objectContaining({ SHIPLINE_REPOSITORY: '', SHIPLINE_SHA: '' })]);
  });

  it('says which permission is missing when the job has no OIDC token', async () => {
    const r = await runScript(locate, {});
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining("grant 'id-token: write'")]);
  });

  it('is the same script, run once per workflow in a first job whose outputs the other jobs read', () => {
    for (const file of ['staging.yml', 'production.yml']) {
      expect(stepScript(`.github/workflows/${file}`, 'shipline', 'locate')).toBe(locate);
      const text = readFileSync(path.join(ROOT, '.github', 'workflows', file), 'utf8');
      expect({ file, copies: text.split('job_workflow_sha').length - 1 }).toEqual({ file, copies: 2 }); // the comment and the node line, once
    }
    // a workflow with one job that runs Shipline actions locates it in that job
    expect(stepScript('.github/workflows/gitops.yml', 'promote', 'shipline')).toBe(locate);
  });
});

describe('release.yml: the release commit and the pinned starter workflows', () => {
  const commit = stepScript('.github/workflows/release.yml', 'release', 'Release commit naming its own Shipline revision');
  const pins = stepScript('.github/workflows/release.yml', 'release', 'Starter workflows and pins for this release');
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  const RELEASE_SHA = 'e'.repeat(40);

  it('commits the tested commit’s SHA into every reusable workflow, so the released workflows locate Shipline without a token', async () => {
    const ws = workspace('shipline-release-');
    cpSync(path.join(ROOT, '.github', 'workflows'), path.join(ws, '.github', 'workflows'), { recursive: true });
    git(ws, 'init', '--quiet', '-b', 'main');
    git(ws, 'add', '.');
    git(ws, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'tested');
    const tested = git(ws, 'rev-parse', 'HEAD');
    const r = await runScript(commit, { REPOSITORY: 'acme/shipline', TAG: 'v1.4.0' }, ws);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.sha).toBe(git(ws, 'rev-parse', 'HEAD'));
    expect(git(ws, 'rev-parse', 'HEAD^')).toBe(tested);
    // every reusable workflow that locates Shipline, and nothing else
    const locating = readdirSync(path.join(ROOT, '.github', 'workflows'))
      .filter((f) => /^ {2}SHIPLINE_SHA: ''$/m.test(readFileSync(path.join(ROOT, '.github', 'workflows', f), 'utf8')))
      .map((f) => `.github/workflows/${f}`)
      .sort();
    expect(locating).toEqual(expect.arrayContaining(['ci', 'gitops', 'production', 'staging'].map((w) => `.github/workflows/${w}.yml`)));
    expect(git(ws, 'diff', '--name-only', 'HEAD^', 'HEAD').split('\n').sort()).toEqual(locating);
    for (const w of ['ci', 'staging', 'production', 'gitops']) {
      const wf = loadWorkflow(`release/${w}.yml`, readFileSync(path.join(ws, '.github', 'workflows', `${w}.yml`), 'utf8'));
      expect(wf.doc.env).toEqual({ SHIPLINE_REPOSITORY: 'acme/shipline', SHIPLINE_SHA: tested });
    }
  });

  const build = async (tag: string) => {
    const ws = workspace('shipline-release-');
    cpSync(path.join(ROOT, 'workflows-templates'), path.join(ws, 'workflows-templates'), { recursive: true });
    const r = await runScript(pins, { REPOSITORY: 'acme/shipline', TAG: tag, RELEASE_SHA }, ws);
    const dir = path.join(ws, 'release', 'workflow-templates');
    return { r, ws, dir, files: r.exitCode === 0 ? readdirSync(dir).sort() : [] };
  };

  it('pins the templates to the release commit with the version in a comment; the result passes the same rules with no placeholder left', async () => {
    const { r, ws, dir, files } = await build('v1.4.0');
    expect(r.exitCode).toBe(0);
    expect(files).toEqual(readdirSync(path.join(ROOT, 'workflows-templates')).sort());
    const pipeline = readFileSync(path.join(dir, 'shipline-pipeline.yml'), 'utf8');
    expect(pipeline).toContain(`uses: acme/shipline/.github/workflows/ci.yml@${RELEASE_SHA} # v1.4.0\n`);
    expect(pipeline).toContain(`uses: acme/shipline/.github/workflows/production.yml@${RELEASE_SHA} # v1.4.0\n`);
    for (const f of files.filter((x) => x.endsWith('.yml'))) {
      const wf = loadWorkflow(`asset/${f}`, readFileSync(path.join(dir, f), 'utf8'));
      expect(unpinnedUses(wf)).toEqual([]);
      expect(callerMismatches(wf)).toEqual([]);
      expect(wf.text).not.toMatch(/shipline\/shipline\/|@0{40}/);
    }
    expect(readFileSync(path.join(ws, 'release', 'notes.md'), 'utf8')).toContain(`uses: acme/shipline/.github/workflows/staging.yml@${RELEASE_SHA} # v1.4.0`);
  });

  it('pins every example in the README and docs the same way (the docs.tar.gz asset)', async () => {
    const ws = workspace('shipline-release-');
    cpSync(path.join(ROOT, 'workflows-templates'), path.join(ws, 'workflows-templates'), { recursive: true });
    cpSync(path.join(ROOT, 'docs'), path.join(ws, 'docs'), { recursive: true });
    cpSync(path.join(ROOT, 'README.md'), path.join(ws, 'README.md'));
    const r = await runScript(pins, { REPOSITORY: 'acme/shipline', TAG: 'v1.4.0', RELEASE_SHA }, ws);
    expect(r.exitCode).toBe(0);
    const readme = readFileSync(path.join(ws, 'release', 'docs', 'README.md'), 'utf8');
    expect(readme).toContain(`uses: acme/shipline/.github/workflows/production.yml@${RELEASE_SHA} # v1.4.0\n`);
    expect(readFileSync(path.join(ws, 'release', 'docs', 'docs', 'setup.md'), 'utf8')).toContain(`- uses: acme/shipline@${RELEASE_SHA} # v1.4.0\n`);
    expect(readFileSync(path.join(ws, 'release', 'docs', 'docs', 'rollout.md'), 'utf8')).toContain(
      `uses: acme/shipline/actions/rollout@${RELEASE_SHA} # v1.4.0`,
    );
    for (const f of ['README.md', ...readdirSync(path.join(ws, 'release', 'docs', 'docs')).map((d) => `docs/${d}`)])
      expect([f, readFileSync(path.join(ws, 'release', 'docs', f), 'utf8')]).toEqual([f, expect.not.stringMatching(/@0{40}|shipline\/shipline[^`\s]*@/)]);
  });

  it('refuses a release SHA that is not a full commit SHA', async () => {
    const ws = workspace('shipline-release-');
    cpSync(path.join(ROOT, 'workflows-templates'), path.join(ws, 'workflows-templates'), { recursive: true });
    const r = await runScript(pins, { REPOSITORY: 'acme/shipline', TAG: 'v1.4.0', RELEASE_SHA: 'v1' }, ws);
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining('is not a full SHA')]);
  });

  it('moves the version tag and the major tag to the release commit, never to the tested commit', () => {
    const tag = stepScript('.github/workflows/release.yml', 'release', 'Tag the release commit');
    expect(tag).toContain('git tag --force "$TAG" "$RELEASE_SHA"');
    expect(stepScript('.github/workflows/release.yml', 'release', 'Move the major tag')).toContain('git tag --force "$major" "$RELEASE_SHA"');
  });
});

describe('ci.yml registry login and logout', () => {
  /** A `docker` stand-in that records its arguments and stdin, one call per line. */
  function fakeDocker() {
    const dir = testTempDir('fake-docker-');
    const log = path.join(dir, 'calls');
    // login stores the credentials in ~/.docker/config.json, as docker does
    const script = [
      '#!/bin/bash',
      'stdin=""; if [ "$1" = login ]; then stdin=$(cat); mkdir -p ~/.docker; echo "{\\"auths\\":{\\"$2\\":{}}}" > ~/.docker/config.json; fi',
      `echo "$* stdin=$stdin" >> "${log}"`,
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'docker'), script, {
      mode: 0o755,
    });
    return {
      PATH: `${dir}:${process.env.PATH ?? ''}`,
      calls: () => readFileSync(log, 'utf8').trim().split('\n'),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  }

  it('logs in with the password on stdin and logs out at the end of the job, so a self-hosted runner keeps no credentials', async () => {
    const docker = fakeDocker();
    const env = {
      PATH: docker.PATH,
      HOME: workspace('shipline-home-'),
      REGISTRY: 'ghcr.io/team',
      REGISTRY_USERNAME: 'ci',
      REGISTRY_PASSWORD: 'reg-pw-123',
      PUSH: 'true',
    };
    try {
      expect((await runScript(stepScript('.github/workflows/ci.yml', 'build', 'Registry login'), env)).exitCode).toBe(0);
      expect((await runScript(stepScript('.github/workflows/ci.yml', 'build', 'Registry logout'), env)).exitCode).toBe(0);
      expect(docker.calls()).toEqual(['login ghcr.io --username ci --password-stdin stdin=reg-pw-123', 'logout ghcr.io stdin=']);
    } finally {
      docker.remove();
    }
    const build = jobs(loadWorkflow('.github/workflows/ci.yml')).find(([id]) => id === 'build')![1];
    expect((build.permissions as Record<string, string>).packages).toBe('write');
    const logout = steps(build).find((s) => s.name === 'Registry logout')!;
    expect(logout.if).toBe('always()'); // also after a failed or cancelled build
  });
});

describe('ci.yml: GHCR with the job token', () => {
  const login = stepScript('.github/workflows/ci.yml', 'build', 'Registry login');
  const fake = () => {
    const dir = workspace('shipline-fake-docker-');
    writeFileSync(path.join(dir, 'docker'), `#!/bin/bash\necho "$* stdin=$(cat)" >> "${dir}/calls"\n`, { mode: 0o755 });
    return { PATH: `${dir}:${process.env.PATH ?? ''}`, calls: () => readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') };
  };
  const base = {
    REGISTRY: 'ghcr.io/acme',
    REGISTRY_USERNAME: '',
    REGISTRY_PASSWORD: '',
    PUSH: 'true',
    FORK: 'false',
    JOB_TOKEN: 'ghs_jobtoken',
    ACTOR: 'octocat',
  };

  it('logs in to ghcr.io as the actor with the job token when pushing', async () => {
    const docker = fake();
    const r = await runScript(login, { ...base, PATH: docker.PATH });
    expect(r.exitCode).toBe(0);
    expect(docker.calls()).toEqual(['login ghcr.io --username octocat --password-stdin stdin=ghs_jobtoken']);
  });

  it.each([
    ['no push', { PUSH: 'false' }],
    ['a fork', { FORK: 'true' }],
    ['another registry', { REGISTRY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop' }],
  ])('does not log in for %s', async (_what, over) => {
    const docker = fake();
    const r = await runScript(login, { ...base, ...over, PATH: docker.PATH });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('no registry-password secret');
    expect(() => docker.calls()).toThrow(); // docker never called
  });
});

describe('gitops.yml: per-service settings', () => {
  const settings = stepScript('.github/workflows/gitops.yml', 'promote', 'settings');
  const base = {
    SERVICE: 'web',
    ENVIRONMENT: 'prod',
    PATH_TEMPLATE: 'apps/{service}/overlays/{environment}',
    IMAGE_NAME_TEMPLATE: '{service}',
    YAML_PATH_TEMPLATE: '',
    APPLICATION_TEMPLATE: '{service}-{environment}',
    REGISTRY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/prod',
    CI_IMAGE: 'ghcr.io/acme/web',
    FORMAT: 'kustomize',
  };

  it('fills {service} and {environment}, and names the promoted image in the environment registry', async () => {
    const r = await runScript(settings, base);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({
      path: 'apps/web/overlays/prod',
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/prod/web',
      'image-name': 'web',
      'yaml-path': '',
      application: 'web-prod',
    });
  });

  it('keeps the CI image without a registry, and passes no image-name outside kustomize', async () => {
    const r = await runScript(settings, {
      ...base,
      REGISTRY: '',
      FORMAT: 'helm-values',
      PATH_TEMPLATE: 'envs/{environment}/{service}.yaml',
      YAML_PATH_TEMPLATE: '{service}.image.digest',
    });
    expect(r.outputs).toEqual(
      expect.objectContaining({ image: 'ghcr.io/acme/web', 'image-name': '', path: 'envs/prod/web.yaml', 'yaml-path': 'web.image.digest' }),
    );
  });
});

describe('static-site.yml scripts', () => {
  const urls = stepScript('.github/workflows/static-site.yml', 'staging-health', 'urls');
  const approved = stepScript('.github/workflows/static-site.yml', 'production', 'What was approved');

  it('joins the health paths to the site URL, one URL a line, blank lines dropped', async () => {
    const r = await runScript(urls, { BASE: 'https://staging.example.com/', PATHS: '/\n\nabout/\n/assets/app.js\n' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.urls).toBe('https://staging.example.com/\nhttps://staging.example.com/about/\nhttps://staging.example.com/assets/app.js');
    expect(stepScript('.github/workflows/static-site.yml', 'production', 'urls')).toBe(urls);
  });

  it('writes what was approved, and fails closed when the staging gate did not pass', async () => {
    const env = {
      STAGING_URL: 'https://staging.example.com',
      PRODUCTION_URL: 'https://www.example.com',
      VERDICT: 'pass',
      UPLOADED: '12',
      APPROVER: 'octocat',
      GITHUB_SHA: 'a'.repeat(40),
    };
    const ok = await runScript(approved, env);
    expect(ok.exitCode).toBe(0);
    expect(ok.summary).toContain('| staging | https://staging.example.com (12 files uploaded, health gate pass) |');
    expect(ok.summary).toContain(`| commit | \`${'a'.repeat(40)}\` |`);
    for (const verdict of ['', 'inconclusive', 'fail']) {
      const r = await runScript(approved, { ...env, VERDICT: verdict });
      expect(r.exitCode).toBe(1);
      expect(r.errors).toEqual([`::error::staging health verdict is '${verdict}', not pass`]);
    }
  });
});
