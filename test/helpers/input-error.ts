import { expect } from 'vitest';
import { InputError, type Issue } from '../../src/core/errors.js';

/** The first issue of the InputError that `f` throws (any other outcome fails the test). */
export function inputIssue(f: () => unknown): Issue {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).issues[0]!;
  }
  throw new Error('expected an InputError');
}
