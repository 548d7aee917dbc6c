import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** rehearse's own version, read from package.json (dist/src/version.js → ../../package.json). */
export function toolVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(here, rel), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rehearse' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}
