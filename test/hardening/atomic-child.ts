// A child for the atomic-write test: rewrites one report file with writeFileAtomic (src/io.ts)
// in a loop, alternating two contents of the same size (all 'A' bytes, all 'B' bytes), until it
// is killed. Whenever it dies, the file must hold one whole content, never a mix or a prefix.
import { writeFileAtomic } from '../../src/io.js';

const [target, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg ?? 32 * 1024 * 1024);
const contents = [Buffer.alloc(size, 0x41), Buffer.alloc(size, 0x42)];
let i = 0;
for (;;) {
  await writeFileAtomic(target!, contents[i++ % 2]!);
}
