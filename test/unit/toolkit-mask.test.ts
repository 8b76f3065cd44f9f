/** The summary mask: what the runner does to log lines, for the job summary. */
import { SecretMask } from '../../src/toolkit/mask';

it('masks every registered value, the longer of two overlapping secrets whole', () => {
  const mask = new SecretMask();
  mask.add('');
  mask.add('pw');
  mask.add('pw-and-more');
  expect(mask.apply('a pw-and-more b pw c')).toBe('a *** b *** c');
  expect(mask.apply('nothing secret')).toBe('nothing secret');
});
