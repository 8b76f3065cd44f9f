/**
 * One HTTP exchange with a registry over node:http(s). We use node:http rather than fetch
 * because blobs must stream both ways with backpressure and exact byte counts, a response
 * body is directly a Node Readable (no web-stream conversion), dropped connections surface
 * as Node errors with codes (ECONNRESET) that the retry logic can classify, and redirects
 * stay under our control (Authorization is never forwarded to another host).
 */
import * as http from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** A Buffer, or a stream whose length the caller has put in Content-Length. */
  body?: Buffer | Readable;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: URL;
}

export interface Transport {
  send(req: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

/** Socket idle time after which a stalled exchange fails (and may be retried). */
const IDLE_TIMEOUT_MS = 120_000;

export function createTransport(): Transport {
  const httpAgent = new http.Agent({ keepAlive: true });
  // node:https (and TLS with it) loads on the first https request: loopback registries and a
  // run that fails on its inputs never pay for it at start-up.
  let httpsAgent: HttpsAgent | undefined;
  return {
    send: (req) =>
      req.url.protocol === 'https:'
        ? send(req, process.getBuiltinModule('node:https'), (httpsAgent ??= new (process.getBuiltinModule('node:https').Agent)({ keepAlive: true })))
        : send(req, http, httpAgent),
    close: () => {
      httpAgent.destroy();
      httpsAgent?.destroy();
    },
  };
}

function send(req: HttpRequest, lib: Pick<typeof http, 'request'>, agent: http.Agent): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
    const outgoing = lib.request(req.url, { method: req.method, headers, agent }, (res) => {
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: res, url: req.url });
    });
    outgoing.setTimeout(IDLE_TIMEOUT_MS, () => {
      const e: NodeJS.ErrnoException = new Error(`no answer from ${req.url.host} for ${IDLE_TIMEOUT_MS / 1000} s`);
      e.code = 'ETIMEDOUT';
      outgoing.destroy(e);
    });
    outgoing.on('error', reject);
    const body = req.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      outgoing.end(body);
      return;
    }
    body.on('error', (e) => {
      outgoing.destroy(e);
      reject(e);
    });
    body.pipe(outgoing);
  });
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Reads a (small) body whole; refuses more than `limit` bytes so a hostile server can't fill memory. */
export async function readBody(res: HttpResponse, limit = 4 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy();
      throw new Error(`${res.url.host} sent more than ${limit} bytes for ${res.url.pathname}`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads and throws away a body so the connection can be reused. */
export async function drain(res: HttpResponse): Promise<void> {
  try {
    await readBody(res, 1024 * 1024);
  } catch {
    /* the connection is closed instead */
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** True for a dropped, refused or stalled connection: worth another try. */
export function isNetworkError(err: unknown): err is NodeJS.ErrnoException {
  // Not `instanceof Error`: errors from Node's core may come from another realm (jest, vm).
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || (typeof message === 'string' && /socket hang up|aborted/i.test(message));
}
