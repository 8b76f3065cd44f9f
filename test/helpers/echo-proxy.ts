/**
 * A reverse proxy that checks a Basic or Bearer credential and, for chosen requests, answers an
 * error whose body quotes the request's headers, the way debugging gateways, some auth proxies
 * and echo handlers do (`Authorization: Basic …` in a 400/422/500 body). Everything else is
 * forwarded to the target (e.g. a real Prometheus from test/helpers/prometheus.ts).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How an echoed header list is written into the body. */
export type EchoFormat = 'prometheus-json' | 'go-map' | 'text';

export interface EchoRule {
  /** Matched against the request path and query. */
  match: RegExp;
  status: number;
  format: EchoFormat;
}

export interface EchoProxyOptions {
  /** The credential every request must carry (exact Authorization value); others get 401. */
  authorization?: string;
  rules: EchoRule[];
}

export interface EchoProxy {
  url: string;
  /** Every Authorization header received, in order. */
  authorizations: string[];
  /** Every error body sent, so a test can check the secret really was echoed. */
  echoed: string[];
  stop(): Promise<void>;
}

/** The request's headers as the rule's format quotes them. */
function body(format: EchoFormat, req: http.IncomingMessage): string {
  const pairs: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  if (format === 'text') return `upstream rejected the request\n${req.method} ${req.url}\n${pairs.map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
  const goMap = `map[${pairs.map(([k, v]) => `${k}:[${v}]`).join(' ')}]`;
  if (format === 'go-map') return `bad request: headers ${goMap}`;
  // Prometheus' error envelope, with the headers in the error text (one header per line)
  const error = `invalid parameter "query": request was ${req.method} ${req.url}\n${pairs.map(([k, v]) => `${k}: ${v}`).join('\n')}`;
  return JSON.stringify({ status: 'error', errorType: 'bad_data', error });
}

export async function startEchoProxy(targetUrl: string, opts: EchoProxyOptions): Promise<EchoProxy> {
  const target = new URL(targetUrl);
  const authorizations: string[] = [];
  const echoed: string[] = [];
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    authorizations.push(auth);
    if (opts.authorization !== undefined && auth !== opts.authorization) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="prometheus"' });
      res.end('Unauthorized\n');
      return;
    }
    const rule = opts.rules.find((r) => r.match.test(req.url ?? ''));
    if (rule) {
      req.resume();
      const text = body(rule.format, req);
      echoed.push(text);
      res.writeHead(rule.status, { 'content-type': rule.format === 'prometheus-json' ? 'application/json' : 'text/plain' });
      res.end(text);
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization; // the target behind us is open
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    echoed,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
