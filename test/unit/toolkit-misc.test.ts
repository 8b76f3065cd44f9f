import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { errorLine, InputError, ServiceError } from '../../src/toolkit/errors';
import { exec, execOk } from '../../src/toolkit/exec';
import { backoffDelay, parseRetryAfter, RetryableError, withRetry } from '../../src/toolkit/retry';
import { cell, formatBytes, lineChart, table } from '../../src/toolkit/summary';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { checksumFromFile, parseToolSha256, parseToolVersion } from '../../src/toolkit/tools';
import { makeTempDir, writePrivateFile } from '../../src/toolkit/temp-files';
import { testTempDir } from '../helpers/temp';

describe('errorLine', () => {
  it('gives one line for every kind of failure', () => {
    expect(errorLine(new InputError('tags', 'bad\ntag', 'fix it'))).toBe("Input 'tags': bad tag. fix it");
    expect(errorLine(new ServiceError('registry 127.0.0.1:5000', 'answered 500', 'retry later'))).toBe('registry 127.0.0.1:5000: answered 500. retry later');
    expect(errorLine(new TypeError('x is undefined'))).toBe('Unexpected error: x is undefined');
  });
});

describe('exec', () => {
  it('passes arguments as an array, with no shell interpreting them', async () => {
    const r = await exec('printf', ['%s|', 'a b', '$(echo pwned)', ';rm -rf /']);
    expect(r.stdout).toBe('a b|$(echo pwned)|;rm -rf /|');
    expect(r.exitCode).toBe(0);
  });
  it('reports exit codes, stderr and a missing program', async () => {
    const dir = testTempDir('exec-');
    const script = path.join(dir, 'fail');
    writeFileSync(script, '#!/bin/sh\necho "Error: it broke" >&2\nexit 3\n');
    chmodSync(script, 0o755);
    const r = await exec(script, []);
    expect([r.exitCode, r.stderr]).toEqual([3, 'Error: it broke\n']);
    await expect(execOk(exec, script, ['upgrade'])).rejects.toThrow('exited with 3: Error: it broke');
    await expect(exec('shipline-no-such-program', [])).rejects.toThrow('shipline-no-such-program: not found on PATH');
  });
  it('kills a program that runs past its timeout', async () => {
    const r = await exec('sleep', ['5'], { timeoutMs: 100 });
    expect(r.timedOut).toBe(true);
  });
});

describe('retry', () => {
  it('retries retryable failures with the server-given delay, then gives up', async () => {
    const waits: number[] = [];
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw new RetryableError('429', 1500);
    };
    await expect(withRetry(attempt, { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 }, undefined, async (ms) => void waits.push(ms))).rejects.toThrow('429');
    expect(calls).toBe(3);
    expect(waits).toEqual([600, 600]); // Retry-After is capped at 6x maxDelay
  });
  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new Error('404');
      }),
    ).rejects.toThrow('404');
    expect(calls).toBe(1);
  });
  it('backs off exponentially with jitter inside the cap', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([backoffDelay(p, 1, () => 0), backoffDelay(p, 1, () => 1), backoffDelay(p, 3, () => 1), backoffDelay(p, 9, () => 1)]).toEqual([50, 100, 400, 1000]);
  });
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('summary markdown', () => {
  it('escapes what would break a table', () => {
    expect(cell('a|b\n<c>')).toBe('a\\|b<br>&lt;c&gt;');
    expect(table(['k', 'v'], [['x', 1]])).toBe('| k | v |\n| --- | --- |\n| x | 1 |\n\n');
  });
  it('draws a Mermaid xychart with one line per series (missing values at 0 by default)', () => {
    const md = lineChart(
      'errors',
      ['1', '2'],
      [
        { name: 'canary', values: [0.1, NaN] },
        { name: 'baseline', values: [0.05, 0.04] },
      ],
      'ratio',
    );
    expect(md).toContain('xychart-beta');
    expect(md).toContain('line [0.1, 0]');
    expect(md).toContain('line [0.05, 0.04]');
    expect(md).toContain('_Lines: canary (orange), baseline (blue)_');
  });
  it("names each line's colour in the title and sets those colours in the front matter; the y axis says its unit", () => {
    const md = lineChart(
      'errors',
      ['1', '2'],
      [
        { name: 'canary', values: [1, 2] },
        { name: 'baseline', values: [1, 1] },
      ],
      'error rate (share of requests)',
    );
    expect(md.split('\n').slice(0, 11)).toEqual([
      '```mermaid',
      '---',
      'config:',
      '  themeVariables:',
      '    xyChart:',
      '      plotColorPalette: "#e8590c, #1c7ed6"',
      '---',
      'xychart-beta',
      '  title "errors — canary orange, baseline blue"',
      '  x-axis ["1", "2"]',
      '  y-axis "error rate (share of requests)"',
    ]);
  });
  it('leaves out x positions without a value when asked (Mermaid cannot draw gaps)', () => {
    const series = [
      { name: 'canary', values: [0.1, NaN, 0.3, 0.2] },
      { name: 'baseline', values: [0.05, 0.04, Infinity, 0.06] },
    ];
    const md = lineChart('errors', ['1', '2', '3', '4'], series, 'ratio', { missing: 'skip' });
    expect(md).toContain('x-axis ["1", "4"]');
    expect(md).toContain('line [0.1, 0.2]');
    expect(md).toContain('line [0.05, 0.06]');
    expect(lineChart('errors', ['1', '2', '3', '4'], series, 'ratio', { missing: 'zero' })).toContain('line [0.1, 0, 0.3, 0.2]');
    // fewer than two points left: no chart at all rather than a lone dot
    expect(lineChart('errors', ['1', '2'], [{ name: 'canary', values: [NaN, 1] }], 'ratio', { missing: 'skip' })).toBe('');
  });
  it('formats sizes', () => {
    expect([formatBytes(512), formatBytes(10 * 1024 * 1024), formatBytes(1536)]).toEqual(['512 B', '10.0 MiB', '1.50 KiB']);
  });
});

describe('MemoryReporter', () => {
  it('masks registered secrets in everything it logs', () => {
    const r = new MemoryReporter();
    r.setSecret('hunter2');
    r.info('password is hunter2');
    expect(r.log).toBe('password is ***');
  });
});

describe('checksumFromFile', () => {
  const sum = 'a'.repeat(64);
  it('finds the sum for the archive in a multi-line checksums file, or a bare sum', () => {
    expect(checksumFromFile(`${'b'.repeat(64)}  trivy_0.1_macOS.tar.gz\n${sum}  trivy_0.1_Linux-64bit.tar.gz\n`, 'trivy_0.1_Linux-64bit.tar.gz')).toBe(sum);
    expect(checksumFromFile(`${sum}\n`, 'helm.tar.gz')).toBe(sum);
    expect(checksumFromFile(`${sum}  other.tar.gz\n`, 'helm.tar.gz')).toBeUndefined();
  });
});

describe('temp files', () => {
  it('makes a step directory under RUNNER_TEMP, creating RUNNER_TEMP when missing', () => {
    const runnerTemp = path.join(testTempDir('tk-temp-'), 'not-yet');
    const dir = makeTempDir('shipline-x-', { RUNNER_TEMP: runnerTemp });
    expect(path.dirname(dir)).toBe(runnerTemp);
    expect(path.basename(dir)).toMatch(/^shipline-x-/);
  });
  it('writes credentials readable by their owner only, even over a file that was world-readable', () => {
    const file = path.join(testTempDir('tk-temp-'), 'config');
    writeFileSync(file, 'old', { mode: 0o644 });
    writePrivateFile(file, 'token: s3cr3t\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('token: s3cr3t\n');
  });
});

describe('tool version and checksum inputs', () => {
  it('takes a release with or without v, and path only where the action allows it', () => {
    expect(parseToolVersion('helm', 'v3.19.0')).toBe('3.19.0');
    expect(parseToolVersion('trivy', 'path', { allowPath: true })).toBe('path');
    expect(() => parseToolVersion('helm', 'path')).toThrow("Input 'helm-version': 'path' is not a version. Give a release such as 3.19.0");
    expect(() => parseToolVersion('trivy', 'latest', { allowPath: true })).toThrow("Give a release such as 0.67.2, or 'path' to use the trivy on PATH");
  });
  it('takes an empty or 64-hex SHA-256, lowercased', () => {
    expect(parseToolSha256('helm', '')).toBeUndefined();
    expect(parseToolSha256('helm', 'AB'.repeat(32))).toBe('ab'.repeat(32));
    expect(() => parseToolSha256('trivy', 'abc')).toThrow("Input 'trivy-sha256': is not a SHA-256");
  });
});
