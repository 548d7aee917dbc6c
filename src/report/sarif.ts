// SARIF 2.1.0 for code-scanning UIs: findings point into the release's source (the line that
// reads the missing attribute, the upgrade method that raises), relative to the release root
// through a uriBaseId, so the file is the same on every machine that has the release. Object
// paths, counts and engines ride in `properties`; accepted findings are external suppressions;
// what could not be checked becomes tool execution notifications, never silence.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FINDING_CODES, findingKey, type Evidence, type Finding, type FindingCode, type Severity } from './finding.js';
import type { NamedReport } from './junit.js';
import { ALL_CODES, RULES } from './rules.js';
import { failedSnapshots, subjectOf } from './common.js';

export interface SarifOptions {
  /** The target release's root directory: evidence files are made relative to it. */
  releaseRoot: string;
}

export const RELEASE_BASE = 'RELEASEROOT';
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** Evidence that points into the release, best first for the primary location. */
const SOURCE_ROLE_ORDER: Evidence['role'][] = ['read', 'upgrade', 'traceback', 'definition', 'init', 'reattach'];

export function formatSarif(results: readonly NamedReport[], options: SarifOptions): string {
  return `${JSON.stringify(toSarif(results, options), null, 2)}\n`;
}

export function toSarif(results: readonly NamedReport[], options: SarifOptions): Record<string, unknown> {
  const root = path.resolve(options.releaseRoot);
  const tool = results[0]?.report.tool;
  const rules = ALL_CODES.map((code) => ({
    id: code,
    name: ruleName(code),
    shortDescription: { text: RULES[code].title },
    fullDescription: { text: RULES[code].description },
    help: { text: RULES[code].help },
    defaultConfiguration: { level: LEVEL[FINDING_CODES[code]] },
  }));
  const sarifResults = results.flatMap(({ name, report }) => report.findings.map((f) => result(f, name, root)));
  const notifications = results.flatMap(({ name, report }) => [
    ...report.checked.skipped.map((s) => ({ level: 'warning', message: { text: `${name}: not checked: ${s}` } })),
    ...failedSnapshots(report).map((s) => ({ level: 'warning', message: { text: `${name}: snapshot ${s.file} not checked: ${s.skipped}` } })),
  ]);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rehearse',
            ...(tool ? { version: tool.version, semanticVersion: tool.version } : {}),
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        originalUriBaseIds: {
          [RELEASE_BASE]: { uri: dirUri(root), description: { text: 'The target release the snapshot was checked against.' } },
        },
        results: sarifResults,
        properties: {
          reports: results.map(({ name, report }) => ({
            name,
            verdict: report.summary.verdict,
            failOn: report.summary.failOn,
            failed: report.summary.failed,
            notChecked: [...report.checked.skipped],
          })),
        },
      },
    ],
  };
}

function result(f: Finding, name: string, root: string): Record<string, unknown> {
  const source = f.evidence
    .filter((e) => SOURCE_ROLE_ORDER.includes(e.role))
    .sort((a, b) => SOURCE_ROLE_ORDER.indexOf(a.role) - SOURCE_ROLE_ORDER.indexOf(b.role));
  const [primary, ...related] = source;
  // Findings about the snapshot itself (a missing module, an unsafe global) have no line in the
  // release: they point at the snapshot file, since code-scanning UIs want one location.
  const locations = primary
    ? [sourceLocation(primary, root)]
    : [{ physicalLocation: { artifactLocation: { uri: fileUri(f.snapshots[0] ?? name) } } }];
  const subject = subjectOf(f);
  const out: Record<string, unknown> = {
    ruleId: f.code,
    ruleIndex: ALL_CODES.indexOf(f.code),
    level: LEVEL[f.severity],
    message: { text: `${f.message}${f.paths.length ? ` (${f.count} object${f.count === 1 ? '' : 's'}, e.g. ${f.paths[0]})` : ''}` },
    locations,
  };
  if (related.length > 0) {
    out.relatedLocations = related.map((e, i) => ({ id: i + 1, ...sourceLocation(e, root) }));
  }
  // Stable identity across runs, so code-scanning UIs track one alert instead of opening a new one.
  out.partialFingerprints = { 'rehearseFinding/v1': `${findingKey(f)}|${f.snapshots.join(',')}` };
  if (f.accepted) out.suppressions = [{ kind: 'external', ...(f.accepted.reason ? { justification: f.accepted.reason } : {}) }];
  out.properties = {
    snapshot: name,
    ...(subject ? { subject } : {}),
    ...(f.class !== undefined ? { class: f.class } : {}),
    ...(f.attribute !== undefined ? { attribute: f.attribute } : {}),
    count: f.count,
    paths: [...f.paths],
    snapshots: [...f.snapshots],
    engines: [...f.engines],
    confirmed: f.engines.length === 2,
    ...(f.suggestion !== undefined ? { suggestion: f.suggestion } : {}),
  };
  return out;
}

function sourceLocation(e: Evidence, root: string): Record<string, unknown> {
  const rel = path.isAbsolute(e.file) ? path.relative(root, e.file) : e.file;
  const region: Record<string, unknown> = {};
  if (e.line !== undefined && e.line >= 1) region.startLine = e.line;
  if (e.text !== undefined && e.line !== undefined) region.snippet = { text: e.text };
  return {
    physicalLocation: {
      artifactLocation: { uri: fileUri(rel), uriBaseId: RELEASE_BASE },
      ...(Object.keys(region).length > 0 ? { region } : {}),
    },
    message: { text: e.role },
  };
}

/** A relative path as a URI reference: forward slashes, each segment percent-encoded. */
function fileUri(p: string): string {
  // encodeURIComponent throws on a lone surrogate (a file name from undecodable bytes).
  const wellFormed = p.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return wellFormed.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

function dirUri(abs: string): string {
  const u = pathToFileURL(abs).href;
  return u.endsWith('/') ? u : `${u}/`;
}

function ruleName(code: FindingCode): string {
  return code.replace(/(^|-)([a-z])/g, (_m, _d: string, ch: string) => ch.toUpperCase());
}
