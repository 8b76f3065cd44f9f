/**
 * TEST DOUBLE. The AWS JSON 1.1 protocol as Amazon ECS and AWS CodeDeploy speak it, on
 * loopback: POST / with `X-Amz-Target: <Prefix>.<Operation>` and
 * `Content-Type: application/x-amz-json-1.1`, a SigV4 `Authorization` header required, answers
 * with `x-amzn-RequestId`; errors are HTTP 400 (500 for ServerException) with
 * `{"__type": "<Name>", "message": "..."}` and `x-amzn-ErrorType: <Name>:http://internal.amazon.com/coral/...`,
 * as the services send them. Timestamps are epoch seconds (JSON numbers).
 * Every call is recorded (operation, body, time), so tests can assert that none was made.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An AWS error the handler wants on the wire. */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface RecordedCall {
  /** e.g. `AmazonEC2ContainerServiceV20141113.DescribeServices` */
  target: string;
  service: 'ecs' | 'codedeploy';
  operation: string;
  body: Record<string, unknown>;
  at: number;
  /** The error type answered, when the call failed. */
  error?: string;
}

export type Handler = (operation: string, body: Record<string, unknown>) => unknown;

export const ECS_PREFIX = 'AmazonEC2ContainerServiceV20141113';
export const CODEDEPLOY_PREFIX = 'CodeDeploy_20141006';

/** Dates become epoch seconds, undefined members are left out (as the services do). */
export function wire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(wire);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = wire(v);
    return out;
  }
  return value;
}

export interface JsonServer {
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

/**
 * Serves both services on one port (the SDK reaches it through AWS_ENDPOINT_URL_ECS and
 * AWS_ENDPOINT_URL_CODEDEPLOY). `before` may throw an AwsError for any call (throttling).
 */
export async function startJsonServer(handlers: { ecs: Handler; codedeploy: Handler }, before?: (call: RecordedCall) => void): Promise<JsonServer> {
  const calls: RecordedCall[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = randomUUID();
      const send = (status: number, payload: unknown, errorType?: string) => {
        const text = JSON.stringify(payload);
        res.writeHead(status, {
          'Content-Type': 'application/x-amz-json-1.1',
          'Content-Length': Buffer.byteLength(text),
          'x-amzn-RequestId': requestId,
          ...(errorType ? { 'x-amzn-ErrorType': `${errorType}:http://internal.amazon.com/coral/com.amazon.coral.service/` } : {}),
        });
        res.end(text);
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, operation] = target.split('.');
      if (req.method !== 'POST' || !operation) return send(400, { __type: 'UnknownOperationException' }, 'UnknownOperationException');
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        return send(400, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
      }
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
        return send(400, { __type: 'SerializationException', message: 'Unsupported Content-Type' }, 'SerializationException');
      }
      let body: Record<string, unknown>;
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return send(400, { __type: 'SerializationException', message: 'Start of structure or map found where not expected.' }, 'SerializationException');
      }
      const service = prefix === ECS_PREFIX ? 'ecs' : prefix === CODEDEPLOY_PREFIX ? 'codedeploy' : undefined;
      if (!service) return send(400, { __type: 'UnknownOperationException' }, 'UnknownOperationException');
      const call: RecordedCall = { target, service, operation, body, at: Date.now() };
      calls.push(call);
      try {
        before?.(call);
        send(200, wire(handlers[service](operation, body)) ?? {});
      } catch (err) {
        const e =
          err instanceof AwsError ? err : new AwsError(service === 'ecs' ? 'ServerException' : 'InternalFailure', String((err as Error).message ?? err), 500);
        call.error = e.type;
        // ECS's ClientException/ServerException carry "message"; CodeDeploy's too (lower-case key).
        send(e.status, { __type: e.type, message: e.message }, e.type);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
