/** How gitops-promote drives git: the token only in GIT_CONFIG_* environment, masked; which push failures are races. */
import { Git, lostRace } from '../../src/gitops-promote/git';
import type { Exec, ExecOptions } from '../../src/toolkit/exec';
import { MemoryReporter } from '../../src/toolkit/reporter';

const TOKEN = 'ghs_0123456789abcdefTOKEN';
const HEADER = `AUTHORIZATION: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;

function recording(answer: (args: readonly string[]) => { exitCode: number; stdout?: string; stderr?: string } = () => ({ exitCode: 0 })) {
  const calls: { args: readonly string[]; options?: ExecOptions }[] = [];
  const exec: Exec = async (command, args, options) => {
    calls.push({ args, options });
    const a = answer(args);
    return { command, args, exitCode: a.exitCode, stdout: a.stdout ?? '', stderr: a.stderr ?? '', timedOut: false };
  };
  return { exec, calls };
}

describe('the token', () => {
  it('goes only into GIT_CONFIG_* for the remote origin, after the configuration the job already passes; never into arguments', async () => {
    const { exec, calls } = recording((args) => ({ exitCode: 0, stdout: args[0] === 'rev-parse' ? 'abc\n' : '' }));
    const reporter = new MemoryReporter();
    const env = { PATH: '/usr/bin', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' };
    const git = new Git({ exec, dir: '/tmp/x/repo', url: 'https://github.com/acme/manifests.git', token: TOKEN, reporter, env });
    await git.clone('main');
    await git.fetchBranch('main');
    await git.push('main');
    for (const c of calls) {
      expect(c.args.join(' ')).not.toContain(TOKEN);
      expect(c.options?.env).toEqual(
        expect.objectContaining({
          GIT_CONFIG_COUNT: '2',
          GIT_CONFIG_KEY_0: 'safe.directory',
          GIT_CONFIG_KEY_1: 'http.https://github.com/.extraheader',
          GIT_CONFIG_VALUE_1: HEADER,
          GIT_TERMINAL_PROMPT: '0',
        }),
      );
    }
    expect(calls[0].args).toEqual([
      'clone',
      '--quiet',
      '--depth',
      '1',
      '--single-branch',
      '--no-tags',
      '--branch',
      'main',
      '--',
      'https://github.com/acme/manifests.git',
      '/tmp/x/repo',
    ]);
    expect(calls.find((c) => c.args[0] === 'push')?.args).toEqual(['push', '--porcelain', 'origin', 'HEAD:refs/heads/main']); // never --force
    for (const secret of [TOKEN, HEADER, HEADER.slice('AUTHORIZATION: '.length)]) expect(reporter.secrets).toContain(secret);
  });

  it('is not sent to ssh or file remotes', async () => {
    const { exec, calls } = recording();
    await new Git({ exec, dir: '/tmp/x/repo', url: 'git@github.com:acme/m.git', token: TOKEN, reporter: new MemoryReporter(), env: {} }).clone('main');
    expect(calls[0].options?.env?.GIT_CONFIG_COUNT).toBeUndefined();
  });

  it('is scrubbed from git error text quoted in the error', async () => {
    const { exec } = recording(() => ({ exitCode: 128, stderr: `fatal: unable to access 'https://github.com/acme/m.git/': header ${HEADER} refused` }));
    const git = new Git({ exec, dir: '/tmp/x/repo', url: 'https://github.com/acme/m.git', token: TOKEN, reporter: new MemoryReporter(), env: {} });
    const err = await git.clone('main').catch((e: Error) => e);
    expect(String(err)).toContain('git clone: exited with 128');
    expect(String(err)).not.toContain(TOKEN);
    expect(String(err)).not.toContain(HEADER.slice(21));
  });
});

describe('which failed pushes lost a race', () => {
  it.each([
    [' ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs', true],
    [' ! [rejected]        main -> main (non-fast-forward)', true],
    [" ! [remote rejected] main -> main (cannot lock ref 'refs/heads/main': is at 1a2b but expected 3c4d)", true],
    [' ! [remote rejected] main -> main (failed to update ref)', true],
    [
      "remote: error: cannot lock ref 'refs/heads/main': is at c4a44145f4ef2403c1dd49097dc267d18bf9a44b but expected 4bcc4d5f345c9ced6b1aa7c89ed37dc90537d401",
      true,
    ],
    [' ! [remote rejected] main -> main (pre-receive hook declined)', false],
    [' ! [remote rejected] main -> main (protected branch hook declined)', false],
    ["remote: Permission to acme/m.git denied to bot.\nfatal: unable to access 'https://github.com/acme/m.git/': The requested URL returned error: 403", false],
    ['fatal: Could not read from remote repository.', false],
  ])('%s -> %s', (stderr, race) => {
    expect(lostRace(stderr)).toBe(race);
  });
});
