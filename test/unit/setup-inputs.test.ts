/** setup's mirror is logged with every download: credentials in it are refused, never echoed. */
import { inputError } from '../helpers/input-error';
import { parseInputs } from '../../src/setup/inputs';

const raw = (mirror: string) => ({ tools: 'helm', 'helm-version': '3.19.0', 'trivy-version': '0.67.2', 'helm-sha256': '', 'trivy-sha256': '', mirror });

it('takes a plain mirror URL', () => {
  expect(parseInputs(raw('https://mirror.example.com/helm')).mirror).toBe('https://mirror.example.com/helm');
});

it('refuses a mirror with user:password@ without repeating the password', () => {
  const e = inputError(() => parseInputs(raw('https://ci:mirr0r-pw@mirror.example.com/helm')));
  expect(e.input).toBe('mirror');
  expect(e.message).toContain('contains credentials');
  expect(e.message).not.toContain('mirr0r-pw');
});
