// `rehearse release <path>`: what rehearse knows about a release, so a user can check it.
import type { Command } from 'commander';
import { collect } from './options.js';
import type { Io } from '../io.js';
import type { CommandResult } from '../cli.js';
import { UserError } from '../errors.js';
import { findClass, loadRelease, resolveGlobal, upgradeChainClasses, versionKey, isVersioned } from '../release/index.js';
import { classDetail, classText, releaseText, resolutionFound, resolutionText, summarizeRelease } from '../release/describe.js';

interface ReleaseOptions {
  lib: string[];
  rename?: string;
  class?: string;
  resolve?: string;
  json?: boolean;
}


export function registerRelease(program: Command, io: Io, result: CommandResult): void {
  program
    .command('release')
    .description('Show what rehearse reads from a release: classes, MRO, Versioned versions, attribute facts, name resolution.')
    .argument('<path>', 'the release: a source directory, an sdist (.tar.gz) or a wheel/egg/zip')
    .option('--lib <dir>', 'extra search path for packages the release imports (repeatable), e.g. a Twisted checkout', collect, [])
    .option('--rename <file>', 'class renames, zodbupdate style: "old.module Old = new.module New" lines or a JSON object')
    .option('--class <name>', "show one class's attribute facts (key or module.Name)")
    .option('--resolve <module:Name>', 'would pickle find module:Name? exit 0 found, 1 not found or not statically known')
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      `
Examples:
  rehearse release samples/tinybot/releases/0.8
  rehearse release samples/tinybot/packages/tinybot-0.8.tar.gz --class tinybot.status.builder.BuildStatus
  rehearse release ./buildbot-0.8.4 --lib ./Twisted-8.2.0 --resolve buildbot.status.builder:BuildStatus`,
    )
    .action(async (p: string, opts: ReleaseOptions) => {
      let query: { module: string; name: string } | undefined;
      if (opts.resolve !== undefined) {
        const m = /^([A-Za-z_][\w.]*):([A-Za-z_][\w.]*)$/.exec(opts.resolve);
        if (!m) throw new UserError(`--resolve: expected module:Name, got ${JSON.stringify(opts.resolve)}`);
        query = { module: m[1]!, name: m[2]! };
      }
      const model = await loadRelease({ path: p, libs: opts.lib, ...(opts.rename ? { renames: opts.rename } : {}) });
      const json = (v: unknown): void => io.out(JSON.stringify(v, null, 2) + '\n');

      if (query) {
        const r = resolveGlobal(model, query.module, query.name);
        const found = resolutionFound(r);
        const final = r.status === 'renamed' ? r.then : r;
        const key = final.status === 'found' ? final.classKey : undefined;
        if (opts.json) {
          json({ query: `${query.module}:${query.name}`, found, resolution: r, ...(key && isVersioned(model, key) ? { versionKey: versionKey(model, key) } : {}) });
        } else io.out(resolutionText(`${query.module}:${query.name}`, r, model));
        result.exitCode = found ? 0 : 1;
        return;
      }

      if (opts.class !== undefined) {
        const c = findClass(model, opts.class);
        if (!c) throw new UserError(`--class: no class ${opts.class} in ${p} (give its key, e.g. package.module.Name)`);
        const d = classDetail(model, c);
        if (opts.json) json({ ...d, upgradeChain: upgradeChainClasses(model, c.key) });
        else io.out(classText(d, upgradeChainClasses(model, c.key)));
        return;
      }

      const v = summarizeRelease(model);
      if (opts.json) json(v);
      else io.out(releaseText(v));
    });
}
