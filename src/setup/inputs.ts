/** Inputs of the root setup action: which pinned tools to install, checksum-verified. */
import { InputError } from '../toolkit/errors';
import { parseList, parseHttpUrlWithoutCredentials, rawValue, type InputSpecs, type RawInputs } from '../toolkit/inputs';
import { parseToolSha256, parseToolVersion, TOOLS, type ToolName } from '../toolkit/tools';

export const INPUTS = {
  tools: { default: 'helm' },
  'helm-version': { default: TOOLS.helm.version },
  'trivy-version': { default: TOOLS.trivy.version },
  'helm-sha256': {},
  'trivy-sha256': {},
  mirror: {},
} as const satisfies InputSpecs;

export const OUTPUTS = ['helm-path', 'trivy-path'] as const;

export interface ToolRequest {
  name: ToolName;
  version: string;
  sha256?: string;
}

export interface SetupInputs {
  tools: ToolRequest[];
  mirror?: string;
}

export function parseInputs(raw: RawInputs<typeof INPUTS>): SetupInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const names = parseList(get('tools'));
  if (names.length === 0) throw new InputError('tools', 'names no tool', `Name one or more of: ${Object.keys(TOOLS).join(', ')}`);
  const tools = names.map((n): ToolRequest => {
    if (!(n in TOOLS)) throw new InputError('tools', `'${n}' is not a tool Shipline installs`, `Use: ${Object.keys(TOOLS).join(', ')}`);
    const name = n as ToolName;
    return { name, version: parseToolVersion(name, get(`${name}-version`)), sha256: parseToolSha256(name, get(`${name}-sha256`)) };
  });
  const mirror = get('mirror');
  return { tools, mirror: mirror ? parseHttpUrlWithoutCredentials('mirror', mirror).toString() : undefined };
}
