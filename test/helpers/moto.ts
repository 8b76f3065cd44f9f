/**
 * Starts moto 5.2.1's server (`python3 -m moto.server`, in the machine image) on loopback: a real
 * HTTP AWS emulator for CloudWatch, CloudWatch Logs, S3, CloudFront, STS and EKS describe. Tests
 * point the real SDK clients at it through `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>`
 * (the SDK's own settings, never overridden by the actions) and fake static credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './registry';

export interface TestMoto {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Environment for a process (or the SDK in-process) that should reach this moto. */
  env: Record<string, string>;
  /** Forgets every resource (moto's reset API), so one server can serve several tests. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_REGION = 'us-east-1';

export async function startMoto(): Promise<TestMoto> {
  const port = await freePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/`)).status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`moto did not start on ${url}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const env = {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: MOTO_REGION,
    AWS_DEFAULT_REGION: MOTO_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const reset = async () => {
    await fetch(`${url}/moto-api/reset`, { method: 'POST' });
  };
  return { url, env, reset, stop };
}
