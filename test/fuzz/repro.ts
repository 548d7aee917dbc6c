// Re-makes one fuzz input from its numbers and says what it is:
//   node dist/test/fuzz/repro.js --seed 16 --index 3965 [--open] [--out input.pickle]
// The corpus must be the one of the run (the fixtures as committed then, plus saved regressions).
import { writeFileSync } from 'node:fs';
import { repoPath } from '../helpers/run.js';
import { loadCorpus } from './corpus.js';
import { makeInput } from './mutate.js';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const seed = Number(arg('--seed') ?? 1);
const index = Number(arg('--index') ?? 0);
const corpus = loadCorpus(repoPath('test', 'fixtures'), argv.includes('--open'));
const input = makeInput(corpus, seed, index);
process.stdout.write(`seed ${seed} index ${index}: ${input.data.length} bytes from ${input.base} by ${input.mutations.join(', ') || '(no mutation)'}\n`);
const out = arg('--out');
if (out) writeFileSync(out, input.data);
