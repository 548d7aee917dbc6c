// Option parsing and options that several commands share, so their spelling, choices and help
// text are the same everywhere.
import { InvalidArgumentError, Option } from 'commander';

/** For repeatable options: `--lib a --lib b` → ['a', 'b']. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

export function failOnOption(description: string): Option {
  return new Option('--fail-on <severity>', description).choices(['error', 'warning', 'info', 'never']).default('error');
}

export function targetPythonOption(): Option {
  return new Option('--target-python <major>', "the target's Python major version (default: inferred from its syntax)").choices(['2', '3']);
}

export function encodingOption(): Option {
  return new Option(
    '--encoding <name>',
    "how a Python 3 target decodes Python 2 strings: pickle.load's encoding= (default: what the target's source passes, else ASCII)",
  ).choices(['ASCII', 'latin1', 'utf-8', 'bytes']);
}
