/** findCached reads the runner's tool cache in the layout @actions/tool-cache's cacheDir writes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import * as path from 'node:path';
import { findCached } from '../../src/toolkit/tool-cache';

let root: string;
beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'shipline-tool-cache-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('finds <tool>/<version>/<arch> only once its .complete marker is written', () => {
  const dir = path.join(root, 'helm', '3.19.0', arch());
  mkdirSync(dir, { recursive: true });
  const env = { RUNNER_TOOL_CACHE: root };
  expect(findCached('helm', '3.19.0', env)).toBe('');
  writeFileSync(`${dir}.complete`, '');
  expect(findCached('helm', '3.19.0', env)).toBe(dir);
  expect(findCached('helm', 'v3.19.0', env)).toBe(dir);
  expect(findCached('helm', '3.18.0', env)).toBe('');
  expect(findCached('trivy', '3.19.0', env)).toBe('');
  expect(findCached('helm', '3.19.0', {})).toBe('');
});
