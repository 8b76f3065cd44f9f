/** Command lines helm-deploy builds, for Helm 3 and Helm 4 (which renamed --atomic and changed --wait). */
import type { Exec } from '../../src/toolkit/exec';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { displayCommand, hardStopMs, Helm, parseHelmVersion, rollbackArgs, uninstallArgs, upgradeArgs, type UpgradeRequest } from '../../src/helm-deploy/helm';

const req: UpgradeRequest = {
  release: 'web',
  chart: 'charts/app',
  namespace: 'prod',
  chartVersion: '1.2.0',
  createNamespace: true,
  valuesFiles: ['values.yaml'],
  set: [
    { key: 'db.password', value: 'hunter2', secret: true, file: '/rt/shipline-values-x/value-0' },
    { key: 'replicaCount', value: '3', secret: false },
  ],
  setString: [{ key: 'image.digest', value: 'sha256:abc' }],
  timeoutMs: 300_000,
  wait: true,
  rollbackOnFailure: true,
};

it('detects Helm 3 and 4 from `helm version` output', () => {
  expect(parseHelmVersion('v3.19.0')).toEqual({ version: '3.19.0', major: 3 });
  expect(parseHelmVersion('v4.0.1+g12500dd\n')).toEqual({ version: '4.0.1', major: 4 });
  expect(() => parseHelmVersion('v2.17.0')).toThrow('not supported');
  expect(() => parseHelmVersion('garbage')).toThrow('helm version');
});

it('Helm 3: --wait and --atomic', () => {
  expect(upgradeArgs(3, req)).toEqual([
    'upgrade',
    '--install',
    'web',
    'charts/app',
    '--namespace',
    'prod',
    '--create-namespace',
    '--version',
    '1.2.0',
    '--values',
    'values.yaml',
    '--set-file',
    'db.password=/rt/shipline-values-x/value-0',
    '--set',
    'replicaCount=3',
    '--set-string',
    'image.digest=sha256:abc',
    '--timeout',
    '5m',
    '--wait',
    '--atomic',
  ]);
});

it('Helm 4: --wait=watcher and --rollback-on-failure', () => {
  const args = upgradeArgs(4, req);
  expect(args.slice(-3)).toEqual(['5m', '--wait=watcher', '--rollback-on-failure']);
  expect(args).not.toContain('--atomic');
});

it('leaves out wait and atomic when asked', () => {
  const args = upgradeArgs(3, { ...req, wait: false, rollbackOnFailure: false, timeoutMs: 90_000 });
  expect(args.slice(-2)).toEqual(['--timeout', '90s']);
});

it('builds rollback and uninstall lines', () => {
  expect(rollbackArgs(3, 'web', 'prod', 4, 60_000, true)).toEqual(['rollback', 'web', '4', '--namespace', 'prod', '--timeout', '1m', '--wait']);
  expect(rollbackArgs(4, 'web', 'prod', undefined, 60_000, true)).toEqual(['rollback', 'web', '--namespace', 'prod', '--timeout', '1m', '--wait=watcher']);
  expect(uninstallArgs(3, 'web-canary', 'prod', 60_000, false)).toEqual(['uninstall', 'web-canary', '--namespace', 'prod', '--timeout', '1m']);
});

it('displays command lines with secret values masked and shell-quoted', () => {
  const line = displayCommand(
    'helm',
    upgradeArgs(3, {
      ...req,
      set: [
        { key: 'api.token', value: 'x y', secret: false },
        { key: 'note', value: 'hunter2 said', secret: false },
      ],
    }),
    ['hunter2'],
  );
  expect(line).toContain("--set 'api.token=x y' --set 'note=*** said' --set-string image.digest=sha256:abc");
});

it('passes secret set values as --set-file paths, never on the command line', () => {
  const args = upgradeArgs(3, req);
  expect(args.join(' ')).not.toContain('hunter2');
  // helm's strvals would split a path at a comma and eat its backslashes
  const odd = upgradeArgs(3, { ...req, set: [{ key: 'db.password', value: 'hunter2', secret: true, file: 'C:\\tmp\\a,b\\value-0' }] });
  expect(odd[odd.indexOf('--set-file') + 1]).toBe('db.password=C:\\\\tmp\\\\a\\,b\\\\value-0');
  // fail closed: a secret without its file is an error, not a --set fallback
  expect(() => upgradeArgs(3, { ...req, set: [{ key: 'db.password', value: 'hunter2', secret: true }] })).toThrow(
    'no value file for the secret set value db.password',
  );
});

it('never stops helm while its own waits may still run (a kill mid-upgrade leaves the release pending)', () => {
  // pre-upgrade hook + rollout + the --atomic rollback's hook and rollout, each up to --timeout
  expect(hardStopMs(300_000)).toBeGreaterThan(4 * 300_000);
});

it('only Helm’s own "release: not found" means no release; other not-found errors fail closed', async () => {
  const reply =
    (stderr: string): Exec =>
    async (command, args) => ({ command, args, exitCode: 1, stdout: '', stderr, timedOut: false });
  const helm = (stderr: string) => new Helm(reply(stderr), 'helm', 3, {}, new MemoryReporter(), []);
  await expect(helm('Error: release: not found\n').history('web', 'prod')).resolves.toEqual([]);
  const unreachable = 'Error: Kubernetes cluster unreachable: Get "https://k.example.com/version": getting credentials: exec: executable aws not found\n';
  await expect(helm(unreachable).history('web', 'prod')).rejects.toThrow('executable aws not found');
});

it("shows helm's output (chart NOTES, hooks) between stop-commands markers, so a chart cannot run workflow commands", async () => {
  const reporter = new MemoryReporter();
  const exec: Exec = async (command, args, options) => {
    options?.onLine?.('::set-output name=revision::999', 'stdout');
    return { command, args, exitCode: 0, stdout: '', stderr: '', timedOut: false };
  };
  await new Helm(exec, 'helm', 3, {}, reporter, []).rollback('web', 'prod', 2, 60_000, true);
  const [command, stop, notes, resume] = reporter.lines;
  expect(command).toMatch(/^\$ helm rollback web 2/);
  const token = /^::stop-commands::([a-f0-9]{32})$/.exec(stop)?.[1];
  expect(token).toBeDefined();
  expect(notes).toBe('  ::set-output name=revision::999');
  expect(resume).toBe(`::${token}::`);
});
