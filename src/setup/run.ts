import { installTool, toolSpec, type ToolCache } from '../toolkit/tools';
import type { Reporter } from '../toolkit/reporter';
import { heading, table } from '../toolkit/summary';
import type { SetupInputs } from './inputs';

export async function run(inputs: SetupInputs, tc: ToolCache, reporter: Reporter): Promise<void> {
  const rows: string[][] = [];
  for (const t of inputs.tools) {
    const dir = await installTool(tc, toolSpec(t.name, t.version), reporter, { baseUrl: inputs.mirror, sha256: t.sha256 });
    reporter.setOutput(`${t.name}-path`, dir);
    rows.push([t.name, t.version, dir]);
  }
  await reporter.summary(heading('Shipline tools') + table(['tool', 'version', 'path'], rows));
}
