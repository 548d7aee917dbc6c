// `npm run bench`: throughput and memory figures, printed side by side. A benchmark, never a
// timed test: nothing here fails a build. Each section lives in its own module.
import { benchDecode } from './decode.js';
import { benchIndexRelease } from './index-release.js';

const sections: Array<[string, () => Promise<void>]> = [
  ['decode', benchDecode],
  ['index-release', benchIndexRelease],
];

const only = process.argv.slice(2);
for (const [name, run] of sections) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  await run();
}
