/**
 * Output of programs that run code we do not control (a Dockerfile's RUN steps, their package
 * scripts) goes to the log between `::stop-commands::` markers: a line such as
 * `::set-output name=digest::…` or `::add-mask::` printed by a build step is then shown as text,
 * not run as a workflow command. See GitHub's "Stopping and starting workflow commands".
 */
import { randomBytes } from 'node:crypto';
import type { Reporter } from './reporter';

export async function withWorkflowCommandsStopped<T>(reporter: Reporter, work: () => Promise<T>): Promise<T> {
  // A fresh random token: the untrusted output cannot guess it to switch commands back on.
  const token = randomBytes(16).toString('hex');
  reporter.info(`::stop-commands::${token}`);
  try {
    return await work();
  } finally {
    reporter.info(`::${token}::`);
  }
}
