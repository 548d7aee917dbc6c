// Hand-built reports for the golden-file tests: between them they cover every finding code, a
// finding both engines confirm, a disagreement between the engines, log diffs, skipped checks,
// an accepted finding, a skipped snapshot, and strings that need escaping in every format.
// The findings are what the engines would hand to buildReport (separately per engine), so the
// merge runs for real.
import type { Finding } from '../../src/report/finding.js';
import type { Report, SnapshotSummary } from '../../src/report/report.js';
import { buildReport } from '../../src/report/build.js';
import type { AcceptFile } from '../../src/report/accept.js';

export const TOOL: Report['tool'] = { name: 'rehearse', version: '0.1.0', node: 'v20.20.0' };

const BUILDER: SnapshotSummary = {
  file: 'basedir/full/builder',
  size: 48213,
  sha256: '3f1d0c9a8b7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c',
  format: 'pickle',
  protocol: 2,
  nodes: 5120,
  instances: 412,
};
const BUILD12: SnapshotSummary = {
  file: 'basedir/full/12',
  size: 9123,
  sha256: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1',
  format: 'pickle+bzip2',
  protocol: 2,
  nodes: 880,
  instances: 61,
};
const QUICK: SnapshotSummary = {
  file: 'basedir/quick/builder',
  size: 2011,
  sha256: '0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff',
  format: 'pickle',
  protocol: 0,
  nodes: 140,
  instances: 9,
};
const TARGET: Report['target'] = {
  path: 'releases/buildbot-0.8.0',
  contentHash: 'sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
  python: 2,
  files: 214,
  classes: 631,
  parseErrors: 0,
};
const BASELINE: Report['baseline'] = {
  path: 'releases/buildbot-0.7.12',
  contentHash: 'sha256:9b74c9897bac770ffc029102a200c5de0f1c4e1f3bd2d6e1a8b1a0e5b3c8d2f1',
  python: 2,
  files: 188,
  classes: 540,
  parseErrors: 1,
};

const B = 'buildbot.status.builder';

function f(partial: Partial<Finding> & Pick<Finding, 'code' | 'severity' | 'message'>): Finding {
  return { count: 1, paths: [], snapshots: [BUILDER.file], evidence: [], engines: ['simulated'], ...partial };
}

/** Every code, as the two engines would report them (the merge is buildReport's job). */
export function unsafeFindings(): Finding[] {
  const buildPaths = ['root.builds[10]', 'root.builds[11]', 'root.builds[12]', 'root.builds[13]', 'root.builds[14]'];
  return [
    f({
      code: 'missing-attribute',
      severity: 'error',
      class: `${B}.BuildStatus`,
      attribute: 'properties',
      message: "After the upgrade, BuildStatus objects lack 'properties', which getProperty() reads unguarded",
      count: 12,
      paths: buildPaths,
      evidence: [
        { file: 'buildbot/status/builder.py', line: 1034, text: '        return self.properties.getProperty(propname)', role: 'read' },
        { file: 'buildbot/status/builder.py', line: 880, text: '        self.properties = Properties()', role: 'init' },
      ],
      suggestion:
        'Add to BuildStatus (and set persistenceVersion = 4):\n    def upgradeToVersion4(self):\n        from buildbot.process.properties import Properties\n        self.properties = Properties()',
      engines: ['simulated'],
      details: { savedVersion: 3, targetVersion: 3, methodsRun: [] },
    }),
    f({
      code: 'missing-attribute',
      severity: 'error',
      class: `${B}.BuildStatus`,
      attribute: 'properties',
      message: "AttributeError: BuildStatus instance has no attribute 'properties' (probed after doUpgrade)",
      count: 12,
      paths: [...buildPaths].reverse(),
      evidence: [
        { file: 'buildbot/status/builder.py', line: 1034, text: '        return self.properties.getProperty(propname)', role: 'read' },
        { file: 'basedir/full/builder', text: 'probe: 12 of 12 BuildStatus instances lack properties', role: 'note' },
      ],
      engines: ['live'],
      details: { probe: 'getattr' },
    }),
    // A disagreement: the live run saw a second step fail.
    f({
      code: 'upgrade-exception',
      severity: 'error',
      class: `${B}.BuildStepStatus`,
      attribute: 'statistics',
      message: 'upgradeToVersion2 reads self.statistics, which steps saved by 0.7.x never had',
      paths: ['root.builds[12].steps[2]'],
      snapshots: [BUILD12.file],
      evidence: [{ file: 'buildbot/status/builder.py', line: 702, text: '        self.statistics.clear()', role: 'upgrade' }],
      suggestion: 'In upgradeToVersion2, guard the read:\n```\nif not hasattr(self, "statistics"):\n    self.statistics = {}\n```',
    }),
    f({
      code: 'upgrade-exception',
      severity: 'error',
      class: `${B}.BuildStepStatus`,
      attribute: 'statistics',
      message: "AttributeError: BuildStepStatus instance has no attribute 'statistics'",
      count: 2,
      paths: ['root.builds[12].steps[2]', 'root.builds[12].steps[3]'],
      snapshots: [BUILD12.file],
      evidence: [
        {
          file: 'buildbot/status/builder.py',
          line: 702,
          text: 'Traceback (most recent call last):\n  File "twisted/persisted/styles.py", line 183, in doUpgrade\n  File "buildbot/status/builder.py", line 702, in upgradeToVersion2\n    self.statistics.clear()\nAttributeError: BuildStepStatus instance has no attribute \'statistics\'',
          role: 'traceback',
        },
      ],
      engines: ['live'],
    }),
    f({
      code: 'missing-module',
      severity: 'error',
      class: 'buildbot.status.progress.Expectations',
      message: "Module 'buildbot.status.progress' does not exist in the target",
      count: 3,
      paths: ['root.expectations'],
      snapshots: [BUILDER.file, QUICK.file],
      evidence: [{ file: 'basedir/full/builder', text: "GLOBAL 'buildbot.status.progress Expectations' at byte 1207", role: 'snapshot' }],
      suggestion: 'Keep a module buildbot/status/progress.py that re-exports Expectations from its new home.',
      engines: ['simulated', 'live'],
    }),
    f({
      code: 'missing-class',
      severity: 'error',
      class: `${B}.HTMLLogFile`,
      message: "buildbot.status.builder exists but defines no 'HTMLLogFile'",
      paths: ['root.builds[12].steps[0].logs[1]'],
      snapshots: [BUILD12.file],
      evidence: [{ file: 'buildbot/status/builder.py', line: 1, role: 'definition' }],
      suggestion: 'Keep the old name as an alias in buildbot/status/builder.py:\n    HTMLLogFile = LogFile',
    }),
    f({
      code: 'load-exception',
      severity: 'error',
      class: 'buildbot.sourcestamp.SourceStamp',
      message: "SourceStamp.__setstate__ raises KeyError: 'changes'",
      paths: ['root.builds[12].source'],
      snapshots: [BUILD12.file],
      evidence: [
        { file: 'buildbot/sourcestamp.py', line: 57, text: "        self.changes = tuple(d['changes'])", role: 'traceback' },
      ],
      engines: ['live'],
    }),
    f({
      code: 'version-downgrade',
      severity: 'error',
      class: `${B}.BuilderStatus`,
      message: 'Saved with persistenceVersion 2; the target defines 1 ("can\'t go backwards in time")',
      paths: ['root'],
      snapshots: [QUICK.file],
      evidence: [{ file: 'buildbot/status/builder.py', line: 1288, text: '    persistenceVersion = 1', role: 'definition' }],
      suggestion: 'This snapshot was written by a newer Buildbot: restore it only with that version or newer.',
      details: { saved: 2, current: 1 },
    }),
    f({
      code: 'unsafe-global',
      severity: 'error',
      class: 'os.system',
      message: 'The snapshot calls os.system while loading',
      paths: ['root.builds[12].steps[5].cmd'],
      snapshots: [BUILD12.file],
      evidence: [{ file: 'basedir/full/12', text: "REDUCE of GLOBAL 'os system' at byte 4711", role: 'snapshot' }],
      suggestion: 'Do not load this snapshot with pickle anywhere before you know how os.system got into it.',
    }),
    f({
      code: 'upgrade-gap',
      severity: 'warning',
      class: `${B}.BuildStatus`,
      message: 'BuildStatus goes from version 1 to 3 but defines no upgradeToVersion2',
      count: 12,
      paths: buildPaths.slice(0, 3),
      evidence: [{ file: 'buildbot/status/builder.py', line: 862, text: '    persistenceVersion = 3', role: 'definition' }],
      suggestion: 'Add the step, even if empty:\n    def upgradeToVersion2(self):\n        pass',
    }),
    f({
      code: 'version-key-orphaned',
      severity: 'warning',
      class: `${B}.LogFile`,
      attribute: 'buildbot.status.builder.LogFile.persistenceVersion',
      message: 'LogFile moved to buildbot.status.logfile: its saved version is lost and upgradeToVersion1..2 will run again',
      count: 40,
      paths: ['root.builds[12].steps[0].logs[0]', 'root.builds[12].steps[1].logs[0]'],
      snapshots: [BUILD12.file],
      evidence: [{ file: 'buildbot/status/logfile.py', line: 210, text: 'class LogFile(styles.Versioned):', role: 'definition' }],
    }),
    f({
      code: 'log-render-diff',
      severity: 'warning',
      class: `${B}.LogFile`,
      message: 'stdio of step compile renders differently under the target',
      paths: ['root.builds[12].steps[1].logs[0]'],
      snapshots: [BUILD12.file],
      evidence: [{ file: 'basedir/full/12-log-compile-stdio', role: 'log-diff', text: '@@ -1,2 +1,2 @@\n-gcc -O2 -c "a.c"\n+gcc -O2 -c &quot;a.c&quot;\n ok' }],
      engines: ['live'],
    }),
    f({
      code: 'log-render-failed',
      severity: 'warning',
      class: `${B}.LogFile`,
      message: 'stdio of step test fails to render under the target: IOError: No such file',
      paths: ['root.builds[12].steps[2].logs[0]'],
      snapshots: [BUILD12.file],
      evidence: [{ file: 'basedir/full/12-log-test-stdio', role: 'note', text: 'neither .bz2, .gz nor the plain file exists' }],
      engines: ['live'],
    }),
    f({
      code: 'attribute-reattached',
      severity: 'info',
      class: `${B}.BuilderStatus`,
      attribute: 'botmaster',
      message: "'botmaster' is missing after the upgrade but BotMaster.addBuilder sets it after loading",
      paths: ['root'],
      evidence: [
        { file: 'buildbot/status/builder.py', line: 1401, text: '        return self.botmaster.parent', role: 'read' },
        { file: 'buildbot/master.py', line: 233, text: '            builder.botmaster = self', role: 'reattach' },
      ],
    }),
    f({
      code: 'not-checked',
      severity: 'info',
      class: 'buildbot.process.properties.Properties',
      message: 'Properties defines __getattr__: attribute reads on it were not checked',
      count: 12,
      paths: ['root.builds[10].properties'],
      evidence: [{ file: 'buildbot/process/properties.py', line: 44, text: '    def __getattr__(self, name):', role: 'definition' }],
    }),
    f({
      code: 'unused-attribute',
      severity: 'info',
      class: `${B}.BuildStatus`,
      attribute: 'slavename_old',
      message: "Snapshots carry 'slavename_old', which the target never uses",
      count: 12,
      paths: buildPaths,
    }),
    f({
      code: 'unused-attribute',
      severity: 'info',
      class: `${B}.BuilderStatus`,
      attribute: 'nextBuildNumber_',
      message: "Snapshots carry 'nextBuildNumber_', which the target never uses",
      paths: ['root'],
    }),
  ];
}

export const UNSAFE_ACCEPT: AcceptFile = {
  rehearse: 'accept',
  version: 1,
  accepted: [{ key: `unused-attribute|${B}.BuilderStatus|nextBuildNumber_`, snapshot: 'basedir/full/builder', reason: 'typo fixed in 0.8.0; harmless' }],
};

export function unsafeReport(): Report {
  return buildReport({
    command: 'rehearse check basedir --target releases/buildbot-0.8.0 --baseline releases/buildbot-0.7.12',
    tool: TOOL,
    snapshots: [BUILDER, BUILD12, QUICK],
    target: TARGET,
    baseline: BASELINE,
    checked: {
      engines: ['live', 'simulated'],
      done: [
        'simulated replay of 3 snapshots (482 instances) against the target',
        'live replay of 2 snapshots with the real twisted.persisted.styles.doUpgrade()',
        'rendered 3 logs under baseline and target (plain text, getText())',
      ],
      skipped: ['live replay of basedir/quick/builder: flagged by the safety scan (unsafe-global); pass --trust to replay it'],
      sandbox: { 'temp-cwd': true, 'audit-hook': true, rlimits: true, 'network-namespace': false, timeout: '60s' },
      python: ['/usr/bin/python3 3.11.2, Twisted 22.4.0'],
    },
    findings: unsafeFindings(),
    logs: [
      { path: 'root.builds[12].steps[0].logs[0]', snapshot: BUILD12.file, name: 'stdio', status: 'identical', added: 0, removed: 0 },
      {
        path: 'root.builds[12].steps[1].logs[0]',
        snapshot: BUILD12.file,
        name: 'stdio',
        status: 'differs',
        added: 1,
        removed: 1,
        diff: '--- baseline\n+++ target\n@@ -1,2 +1,2 @@\n-gcc -O2 -c "a.c"\n+gcc -O2 -c &quot;a.c&quot;\n ok\n',
      },
      { path: 'root.builds[12].steps[2].logs[0]', snapshot: BUILD12.file, name: 'stdio', status: 'failed-target', added: 0, removed: 0, error: 'IOError: No such file' },
    ],
    failOn: 'error',
    accept: UNSAFE_ACCEPT,
  });
}

export function safeReport(): Report {
  return buildReport({
    command: 'rehearse check basedir/full/builder --target releases/buildbot-0.8.0',
    tool: TOOL,
    snapshots: [BUILDER, { file: 'basedir/full/0-log-compile-stdio', size: 512, sha256: '2'.repeat(64), format: 'not-a-snapshot', skipped: 'not a pickle (Buildbot step log)' }],
    target: TARGET,
    checked: { engines: ['simulated'], done: ['simulated replay of 1 snapshot (412 instances) against the target'], skipped: [] },
    findings: [],
    failOn: 'error',
  });
}

export function incompleteReport(): Report {
  return buildReport({
    command: 'rehearse check basedir --target releases/buildbot-0.8.0 --fail-on warning',
    tool: TOOL,
    snapshots: [
      BUILDER,
      { file: 'basedir/full/12', size: 77, sha256: 'ffff000011112222333344445555666677778888999900001111222233334444', format: 'pickle+bzip2', skipped: 'truncated bzip2 stream (the stream ends inside a block)' },
      { file: 'basedir/full/12-log-compile-stdio', size: 2048, sha256: '1'.repeat(64), format: 'not-a-snapshot', skipped: 'not a pickle (Buildbot step log)' },
    ],
    target: TARGET,
    checked: {
      engines: ['simulated'],
      done: ['simulated replay of 1 snapshot (412 instances) against the target'],
      skipped: ['live replay: no Python with Twisted found (tried python3, /usr/bin/python3)'],
    },
    findings: unsafeFindings().filter((x) => x.severity === 'warning' && x.engines.includes('simulated')),
    failOn: 'warning',
  });
}

/** Strings that break naive XML, Markdown and terminals. */
export function nastyReport(): Report {
  const weird = 'a<b>&"c"\'d\' `tick` |pipe| *star* _under_ \u0001ctl\u001b[31mred \uD800 ünï';
  return buildReport({
    command: `rehearse check 'dir with spaces/builder' --target rel`,
    tool: TOOL,
    snapshots: [{ file: 'dir with spaces/builder', size: 10, sha256: 'ab'.repeat(32), format: 'pickle', protocol: 2 }],
    target: { path: 'rel', contentHash: 'sha256:00', files: 1, classes: 1, parseErrors: 0 },
    checked: { engines: ['simulated'], done: ['simulated replay'], skipped: [] },
    findings: [
      f({
        code: 'missing-attribute',
        severity: 'error',
        class: 'app.models.Thing',
        attribute: 'x',
        message: `weird text: ${weird}`,
        paths: [`root['${weird}']`],
        snapshots: ['dir with spaces/builder'],
        evidence: [{ file: 'app/mod el[1].py', line: 3, text: `        return self.x  # ${weird} \`\`\` fence`, role: 'read' }],
        suggestion: 'Add:\n```\ndef upgradeToVersion2(self):\n    self.x = "```"\n```',
      }),
    ],
    failOn: 'error',
  });
}

export const SAMPLES: Record<string, () => Report> = {
  unsafe: unsafeReport,
  safe: safeReport,
  incomplete: incompleteReport,
  nasty: nastyReport,
};
