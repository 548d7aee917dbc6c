// Preloaded (`node --import`) into a CLI child by the hardening tests: on exit, writes the
// process's peak resident set size (bytes) to $REHEARSE_RSS_FILE, so a test can prove that a
// bomb was handled in bounded memory. --max-old-space-size alone does not bound Buffers.
import { writeFileSync } from 'node:fs';

const out = process.env.REHEARSE_RSS_FILE;
if (out) {
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kilobytes.
    writeFileSync(out, String(process.resourceUsage().maxRSS * 1024));
  });
}
