/** The shared leak check (test/helpers/leaks.ts) finds what it promises, so leak tests can fail. */
import type { StepResult } from '../harness/run-action';
import { expectNoLeaks, findLeaks, formsOf, stepSources } from '../helpers/leaks';

const step = (over: Partial<StepResult>): StepResult => ({ stdout: '', stderr: '', summary: '', outputs: {}, tempDir: '/nonexistent', ...over }) as StepResult;

it('finds a password inside the base64 of user:password at every alignment, and URL-encoded', () => {
  const login = { username: 'u', password: 'pa:ss/wörd+1' };
  for (const user of ['u', 'us', 'use']) {
    const header = `Authorization: Basic ${Buffer.from(`${user}:${login.password}`).toString('base64')}`;
    expect(findLeaks([{ where: 'log', text: header }], { login }).length).toBeGreaterThan(0);
  }
  expect(findLeaks([{ where: 'log', text: `p=${encodeURIComponent(login.password)}` }], { login })[0]).toMatchObject({ form: 'URL-encoded' });
  expect(formsOf('abc')).toEqual(expect.arrayContaining([{ form: 'abc', name: 'raw' }]));
});

it('leaves out ::add-mask:: lines (the runner consumes them) and searches everything else', () => {
  const sources = stepSources(step({ stdout: '::add-mask::s3cret-value\nok', summary: 'x', outputs: { report: '{"a":"s3cret-value"}' } }));
  expect(sources.map((s) => [s.where, s.text])).toEqual([
    ['stdout', 'ok'],
    ['stderr', ''],
    ['summary', 'x'],
    ['output report', '{"a":"s3cret-value"}'],
  ]);
  expect(() => expectNoLeaks(step({ outputs: { report: 's3cret-value' } }), { token: 's3cret-value' })).toThrow(/token \(raw\) in output report/);
  expect(() => expectNoLeaks(step({}), {})).toThrow('at least one secret');
});
