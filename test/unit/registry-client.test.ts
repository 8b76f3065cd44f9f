/**
 * Client wiring that needs no real registry: ECR hosts get their login from the ECR
 * provider, over https, and the password never reaches the log. (Everything else is
 * tested against a real registry in test/integration/registry-client.test.ts.)
 */
import { rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { createRegistryClient } from '../../src/toolkit/registry/client';
import { digestOf } from '../../src/toolkit/registry/digest';
import type { HttpRequest, HttpResponse, Transport } from '../../src/toolkit/registry/transport';
import { testTempDir } from '../helpers/temp';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}');

function fakeEcr(password: string) {
  const seen: HttpRequest[] = [];
  const expected = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
  const transport: Transport = {
    close: () => undefined,
    send: async (req) => {
      seen.push(req);
      const respond = (status: number, headers: Record<string, string>, body?: Buffer) => fakeResponse(req, status, headers, body);
      if (req.headers.authorization !== expected) return respond(401, { 'www-authenticate': `Basic realm="https://${HOST}/",service="ecr.amazonaws.com"` });
      return respond(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': digestOf(MANIFEST) }, MANIFEST);
    },
  };
  return { transport, seen };
}

it('logs in to ECR hosts with the ECR provider, over https, and masks the password', async () => {
  const reporter = new MemoryReporter();
  const { transport, seen } = fakeEcr('ecr-pw');
  const hosts: string[] = [];
  const client = createRegistryClient({
    reporter,
    transport,
    dockerConfigDir: '/nonexistent',
    ecr: {
      credentials: async (host) => {
        hosts.push(host);
        reporter.setSecret('ecr-pw');
        return { username: 'AWS', password: 'ecr-pw' };
      },
    },
  });
  const repo = { registry: HOST, repository: 'team/app' };
  const got = await client.getManifest(repo, 'v1');
  expect(got.descriptor.digest).toBe(digestOf(MANIFEST));
  await client.getManifest(repo, 'v1');
  expect(seen.map((r) => `${r.url.protocol}//${r.url.host}${r.url.pathname} ${r.headers.authorization ? 'auth' : 'anon'}`)).toEqual([
    `https://${HOST}/v2/team/app/manifests/v1 anon`,
    `https://${HOST}/v2/team/app/manifests/v1 auth`,
    `https://${HOST}/v2/team/app/manifests/v1 auth`, // Basic is known now: sent up front
  ]);
  expect(hosts).toEqual([HOST]);
  expect(client.stats.requests).toBe(3);
  expect(reporter.log).not.toContain('ecr-pw');
});

it('a manifest whose bytes do not hash to the registry-given digest is refused', async () => {
  const transport: Transport = {
    close: () => undefined,
    send: async (req) => ({
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': digestOf('something else') },
      body: Readable.from([MANIFEST]) as unknown as IncomingMessage,
      url: req.url,
    }),
  };
  const client = createRegistryClient({ reporter: new MemoryReporter(), transport });
  await expect(client.getManifest({ registry: 'ghcr.io', repository: 'o/app' }, 'v1')).rejects.toThrow(
    `manifest o/app:v1 has digest ${digestOf(MANIFEST)}, expected ${digestOf('something else')}`,
  );
});

it('never follows a token-server redirect to another host with the Basic login', async () => {
  const dir = testTempDir('redirect-cfg-');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.example.com': { auth: Buffer.from('ci:login-pw').toString('base64') } } }));
  const seen: HttpRequest[] = [];
  const respond = fakeResponse;
  const transport: Transport = {
    close: () => undefined,
    send: async (req) => {
      seen.push(req);
      if (req.url.host === 'auth.example.com') return respond(req, 302, { location: 'https://elsewhere.example.net/token' });
      if (req.url.host === 'elsewhere.example.net') return respond(req, 200, { 'content-type': 'application/json' }, Buffer.from('{"token":"t-1"}'));
      if (req.headers.authorization !== 'Bearer t-1')
        return respond(req, 401, { 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="reg"' });
      return respond(req, 200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': digestOf(MANIFEST) }, MANIFEST);
    },
  };
  const client = createRegistryClient({ reporter: new MemoryReporter(), transport, dockerConfigDir: dir });
  try {
    expect((await client.getManifest({ registry: 'reg.example.com', repository: 'o/app' }, 'v1')).descriptor.digest).toBe(digestOf(MANIFEST));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(seen.map((r) => `${r.url.host} ${r.headers.authorization?.split(' ')[0] ?? 'anon'}`)).toEqual([
    'reg.example.com anon',
    'auth.example.com Basic', // the realm the registry named gets the login
    'elsewhere.example.net anon', // where it redirected does not
    'reg.example.com Bearer',
  ]);
});

it('never sends the login along a redirect from https to plain http on the same host', async () => {
  const dir = testTempDir('downgrade-cfg-');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.example.com': { auth: Buffer.from('ci:login-pw').toString('base64') } } }));
  const seen: HttpRequest[] = [];
  const transport: Transport = {
    close: () => undefined,
    send: async (req) => {
      seen.push(req);
      const respond = (status: number, headers: Record<string, string>, body?: Buffer) => fakeResponse(req, status, headers, body);
      if (req.url.protocol === 'http:')
        return respond(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': digestOf(MANIFEST) }, MANIFEST);
      if (!req.headers.authorization) return respond(401, { 'www-authenticate': 'Basic realm="reg"' });
      return respond(307, { location: 'http://reg.example.com/v2/o/app/manifests/v1' });
    },
  };
  const client = createRegistryClient({ reporter: new MemoryReporter(), transport, dockerConfigDir: dir });
  try {
    await client.getManifest({ registry: 'reg.example.com', repository: 'o/app' }, 'v1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(seen.map((r) => `${r.url.protocol} ${r.headers.authorization?.split(' ')[0] ?? 'anon'}`)).toEqual(['https: anon', 'https: Basic', 'http: anon']);
});

it('checks a manifest PUT with a HEAD when the registry does not say what it stored', async () => {
  const stored = Buffer.from(MANIFEST.toString().replace('"layers":[]', '"layers": []')); // what a rewriting registry keeps
  const seen: string[] = [];
  const transport: Transport = {
    close: () => undefined,
    send: async (req) => {
      seen.push(req.method);
      const body = req.method === 'PUT' ? Buffer.alloc(0) : stored;
      const headers: Record<string, string> =
        req.method === 'PUT'
          ? {}
          : {
              'content-type': 'application/vnd.oci.image.manifest.v1+json',
              'docker-content-digest': digestOf(stored),
              'content-length': String(stored.length),
            };
      return { status: req.method === 'PUT' ? 201 : 200, statusText: 'OK', headers, body: Readable.from([body]) as unknown as IncomingMessage, url: req.url };
    },
  };
  const client = createRegistryClient({ reporter: new MemoryReporter(), transport });
  const repo = { registry: 'quiet.example.com', repository: 'o/app' };
  await expect(client.putManifest(repo, 'prod', MANIFEST, 'application/vnd.oci.image.manifest.v1+json')).rejects.toThrow(
    `stored manifest o/app:prod as ${digestOf(stored)}, but its bytes hash to ${digestOf(MANIFEST)}`,
  );
  expect(seen).toEqual(['PUT', 'HEAD']);
});

describe('blob upload', () => {
  const BLOB = Buffer.from('layer bytes '.repeat(100));
  const repo = { registry: 'up.example.com', repository: 'o/app' };

  /** A registry that answers the session POST one event-loop turn later with `postStatus`, and stores a PUT body. */
  function uploadRegistry(postStatus: number) {
    const events: string[] = [];
    const transport: Transport = {
      close: () => undefined,
      send: async (req) => {
        if (req.method === 'POST') {
          events.push('POST sent');
          await new Promise((r) => setImmediate(r));
          events.push('POST answered');
          return fakeResponse(req, postStatus, postStatus === 202 ? { location: '/v2/o/app/blobs/uploads/s1' } : {});
        }
        const chunks: Buffer[] = [];
        for await (const c of req.body as Readable) chunks.push(c as Buffer);
        events.push(`${req.method} ${Buffer.concat(chunks).length} bytes`);
        return fakeResponse(req, 201, { 'docker-content-digest': digestOf(BLOB) });
      },
    };
    return { transport, events };
  }

  it('opens the blob source while the session is being opened: the GET and the POST share one round trip', async () => {
    const { transport, events } = uploadRegistry(202);
    const client = createRegistryClient({ reporter: new MemoryReporter(), transport });
    await client.putBlob(repo, digestOf(BLOB), BLOB.length, () => {
      events.push('source opened');
      return Readable.from([BLOB]);
    });
    expect(events.indexOf('source opened')).toBeLessThan(events.indexOf('POST answered'));
    expect(events.filter((e) => e !== 'source opened')).toEqual(['POST sent', 'POST answered', `PUT ${BLOB.length} bytes`]);
    expect(client.stats).toMatchObject({ requests: 2, bytesUploaded: BLOB.length });
  });

  it('closes the opened source when the registry refuses the session, and says what it answered', async () => {
    const { transport, events } = uploadRegistry(403);
    const client = createRegistryClient({ reporter: new MemoryReporter(), transport });
    const source = Readable.from([BLOB]);
    await expect(client.putBlob(repo, digestOf(BLOB), BLOB.length, () => source)).rejects.toThrow('answered 403');
    await new Promise((r) => setImmediate(r));
    expect(source.destroyed).toBe(true);
    expect(events).toEqual(['POST sent', 'POST answered']);
  });
});

/** A transport answer shaped as the real node:http transport hands it over. */
function fakeResponse(req: HttpRequest, status: number, headers: Record<string, string>, body: Buffer = Buffer.alloc(0)): HttpResponse {
  return { status, statusText: String(status), headers, body: Readable.from([body]) as unknown as IncomingMessage, url: req.url };
}
