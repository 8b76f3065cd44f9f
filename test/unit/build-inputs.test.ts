/** build-and-scan's parser: typed values out, one InputError naming the input for each mistake. */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../helpers/input-error';
import { parseInputs, INPUTS } from '../../src/build-and-scan/inputs';
import type { RawInputs } from '../../src/toolkit/inputs';
import { testTempDir } from '../helpers/temp';

function workspace(): string {
  const ws = testTempDir('bas-inputs-');
  writeFileSync(path.join(ws, 'Dockerfile'), 'FROM scratch\n');
  mkdirSync(path.join(ws, 'svc'));
  writeFileSync(path.join(ws, 'svc', 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(path.join(ws, 'ignore.yml'), '- id: CVE-2019-18224\n  reason: not reachable\n  expires: 2030-01-01\n');
  return ws;
}
const SHA = 'f'.repeat(40);
const parse = (raw: RawInputs<typeof INPUTS>, ws = workspace()) =>
  parseInputs({ image: 'ghcr.io/team/app', ...raw }, { GITHUB_WORKSPACE: ws, GITHUB_SHA: SHA });

it('applies the defaults: docker, context ., <context>/Dockerfile, the commit SHA as tag, HIGH, push', () => {
  const ws = workspace();
  const i = parse({}, ws);
  expect(i).toMatchObject({
    builder: 'docker',
    workspace: ws,
    context: ws,
    file: path.join(ws, 'Dockerfile'),
    image: 'ghcr.io/team/app',
    repository: { registry: 'ghcr.io', repository: 'team/app' },
    tags: [SHA],
    push: true,
    createRepository: false,
  });
  expect(i.scan).toMatchObject({
    scanner: 'trivy',
    trivyVersion: '0.67.2',
    threshold: 'HIGH',
    ignoreUnfixed: false,
    failOnScanError: true,
    dbAttempts: 3,
    ignores: [],
  });
});

it('reads lists, key=value lines and the ignore file', () => {
  const ws = workspace();
  const i = parse(
    {
      context: 'svc',
      tags: 'v1.2.3\nlatest, v1.2.3',
      platforms: 'linux/amd64,linux/arm64/v8',
      'build-args': 'A=1\nURL=https://x/?a=b,c',
      secrets: 'npm=tok=en',
      labels: 'org.opencontainers.image.version=9',
      'severity-threshold': 'critical',
      'ignore-file': 'ignore.yml',
      'ignore-unfixed': 'true',
      'trivy-version': 'path',
      'trivy-cache-dir': '.cache/trivy',
    },
    ws,
  );
  expect(i.file).toBe(path.join(ws, 'svc', 'Dockerfile'));
  expect(i.tags).toEqual(['v1.2.3', 'latest']);
  expect(i.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
  expect(i.buildArgs).toEqual([
    { key: 'A', value: '1' },
    { key: 'URL', value: 'https://x/?a=b,c' },
  ]);
  expect(i.secrets).toEqual([{ key: 'npm', value: 'tok=en' }]);
  expect(i.labels).toEqual([{ key: 'org.opencontainers.image.version', value: '9' }]);
  expect(i.scan.threshold).toBe('CRITICAL');
  expect(i.scan.ignores.map((e) => e.id)).toEqual(['CVE-2019-18224']);
  expect(i.scan.trivyVersion).toBe('path');
  expect(i.scan.trivyCacheDir).toBe(path.join(ws, '.cache/trivy'));
});

it('normalises a Docker Hub repository', () => {
  expect(parse({ image: 'team/app' }).image).toBe('docker.io/team/app');
});

it.each([
  ['builder', { builder: 'podman' }, 'docker, buildah'],
  ['context', { context: 'missing' }, "'missing' does not exist"],
  ['file', { file: 'nope/Dockerfile' }, "'nope/Dockerfile' not found"],
  ['file', { context: 'svc', file: 'Dockerfile.prod' }, "'Dockerfile.prod' not found"],
  ['image', { image: 'ghcr.io/team/app:v1' }, 'names a tag or digest'],
  ['image', { image: `ghcr.io/team/app@sha256:${'a'.repeat(64)}` }, 'names a tag or digest'],
  ['image', { image: 'ghcr.io/Team/app' }, 'lowercase'],
  ['tags', { tags: 'v1, .hidden' }, "'.hidden' is not a valid tag"],
  ['tags', { tags: 'x'.repeat(129) }, 'is not a valid tag'],
  ['tags', { tags: 'feature/login' }, "'feature/login' is not a valid tag"],
  ['platforms', { platforms: 'amd64' }, 'os/arch'],
  ['build-args', { 'build-args': '=1' }, 'entry 1 is not KEY=value'],
  ['secrets', { secrets: 'just-the-token' }, 'entry 1 is not KEY=value'],
  ['secrets', { secrets: 'npm,src=/etc/shadow=x' }, 'entry 1 has an id that is not a plain name'],
  ['push', { push: 'maybe' }, 'not a boolean'],
  ['scanner', { scanner: 'grype' }, 'trivy, none'],
  ['trivy-version', { 'trivy-version': 'latest' }, "'path'"],
  ['trivy-sha256', { 'trivy-sha256': 'abc' }, 'SHA-256'],
  ['trivy-mirror', { 'trivy-mirror': 'ftp://m' }, 'http'],
  ['trivy-db-attempts', { 'trivy-db-attempts': '0' }, 'minimum 1'],
  ['severity-threshold', { 'severity-threshold': 'SEVERE' }, 'CRITICAL, HIGH, MEDIUM, LOW'],
  ['severity-threshold', { 'severity-threshold': 'UNKNOWN' }, 'CRITICAL, HIGH, MEDIUM, LOW'],
  ['ignore-file', { 'ignore-file': 'missing.yml' }, "'missing.yml' not found"],
  ['fail-on-scan-error', { 'fail-on-scan-error': 'sometimes' }, 'not a boolean'],
  ['aws-region', { 'aws-region': 'Ireland' }, 'not an AWS region'],
  ['insecure-registries', { 'insecure-registries': 'https://registry.internal' }, 'plain-HTTP'],
] as const)('%s: %p is refused', (input, raw, problem) => {
  const e = inputError(() => parse(raw));
  expect(e.input).toBe(input);
  expect(e.message).toContain(problem);
});

it('refuses a trivy-mirror with credentials in it without repeating them', () => {
  const e = inputError(() => parse({ 'trivy-mirror': 'https://ci:mirr0r-pw@mirror.example.com/trivy' }));
  expect(e.input).toBe('trivy-mirror');
  expect(e.message).toContain('contains credentials');
  expect(e.message).not.toContain('mirr0r-pw');
});

it('does not echo a malformed secret line', () => {
  expect(inputError(() => parse({ secrets: 'ghp_abcdef123456' })).message).not.toContain('ghp_abcdef123456');
});

it('needs a tag when GITHUB_SHA is not set', () => {
  const ws = workspace();
  const e = inputError(() => parseInputs({ image: 'ghcr.io/team/app' }, { GITHUB_WORKSPACE: ws }));
  expect(e.input).toBe('tags');
});
