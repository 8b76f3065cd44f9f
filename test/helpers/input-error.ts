/** The InputError a parser throws, so a test can assert which input it names and the fix it gives. */
import { InputError } from '../../src/toolkit/errors';

export function inputError(parse: () => unknown): InputError {
  try {
    parse();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError, but the value was accepted');
}
