/** Inputs of the root setup action: which pinned tools to install, checksum-verified. */
import { InputError } from '../toolkit/errors';
import { parseList, parseHttpUrl, rawValue, type InputSpecs, type RawInputs } from '../toolkit/inputs';
import { TOOLS, type ToolName } from '../toolkit/tools';

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

const SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

export function parseInputs(raw: RawInputs<typeof INPUTS>): SetupInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const names = parseList(get('tools'));
  if (names.length === 0) throw new InputError('tools', 'names no tool', `Name one or more of: ${Object.keys(TOOLS).join(', ')}`);
  const tools = names.map((n): ToolRequest => {
    if (!(n in TOOLS)) throw new InputError('tools', `'${n}' is not a tool Shipline installs`, `Use: ${Object.keys(TOOLS).join(', ')}`);
    const name = n as ToolName;
    const version = get(`${name}-version`);
    if (!SEMVER.test(version)) throw new InputError(`${name}-version`, `'${version}' is not a version`, 'Give a release version such as 3.19.0');
    const sha = get(`${name}-sha256`).toLowerCase();
    if (sha && !/^[a-f0-9]{64}$/.test(sha)) throw new InputError(`${name}-sha256`, 'is not a SHA-256', 'Give 64 hex characters');
    return { name, version: version.replace(/^v/, ''), sha256: sha || undefined };
  });
  const mirror = get('mirror');
  return { tools, mirror: mirror ? parseHttpUrl('mirror', mirror).toString() : undefined };
}
