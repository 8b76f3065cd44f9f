/**
 * A plain HTTP forwarder in front of a real server (moto) that records every request with the
 * order it started and finished in, so a test can prove upload order (every PUT of one phase
 * answered before the first PUT of the next started) and a benchmark can count requests the
 * same way for any client (the SDK, aws-cli).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** Path and query as sent, e.g. /bucket/site/index.html or /bucket?list-type=2 */
  url: string;
  status?: number;
  /** Position of the request's start and of its response's end on one shared counter. */
  startSeq: number;
  endSeq?: number;
}

export interface RecordingProxy {
  url: string;
  requests: ProxiedRequest[];
  /** When set and it returns an answer, the request is answered here and never reaches the server. */
  answer?: (req: ProxiedRequest) => { status: number; body: string; contentType?: string } | undefined;
  clear(): void;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /**
   * Rewrites a response body (buffered) before the client gets it; used only to make moto answer
   * as the real API documents where moto 5.2.1 differs. Return undefined to pass it unchanged.
   */
  rewrite?: (req: ProxiedRequest, body: string) => string | undefined;
}

/**
 * moto 5.2.1 reports a finished CloudFront invalidation as `<Status>COMPLETED</Status>`; the
 * CloudFront API (GetInvalidation, Invalidation.Status) and the SDK waiter use `Completed`.
 */
export function mendMotoInvalidationStatus(req: ProxiedRequest, body: string): string | undefined {
  return /\/distribution\/[^/]+\/invalidation/.test(req.url) ? body.replace(/<Status>COMPLETED<\/Status>/g, '<Status>Completed</Status>') : undefined;
}

export async function startRecordingProxy(target: string, options: ProxyOptions = {}): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const requests: ProxiedRequest[] = [];
  let seq = 0;
  const server = http.createServer((req, res) => {
    const record: ProxiedRequest = { method: req.method ?? '', url: req.url ?? '', startSeq: ++seq };
    requests.push(record);
    const own = proxy.answer?.(record);
    if (own) {
      req.resume();
      record.status = own.status;
      res.writeHead(own.status, { 'content-type': own.contentType ?? 'application/xml' });
      res.end(own.body, () => (record.endSeq = ++seq));
      return;
    }
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      record.status = answer.statusCode;
      if (!options.rewrite) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => (record.endSeq = ++seq));
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const raw = Buffer.concat(chunks);
        const mended = options.rewrite?.(record, raw.toString('utf8'));
        const body = mended === undefined ? raw : Buffer.from(mended);
        const headers = { ...answer.headers };
        if (!headers['transfer-encoding']) headers['content-length'] = String(body.length);
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(body);
        record.endSeq = ++seq;
      });
    });
    up.on('error', (e) => {
      record.status = 502;
      res.destroy(e);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy: RecordingProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    clear: () => requests.splice(0),
    close: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((r) => server.close(r));
    },
  };
  return proxy;
}
