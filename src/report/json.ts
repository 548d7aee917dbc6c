// The JSON report: for machines. Keys are written in a fixed order (objects are built field by
// field, free-form `details` sorted), so two runs on the same input are byte-identical.
// docs/report-json.md documents the schema; bump `formatVersion` on any incompatible change.
import type { Finding } from './finding.js';
import type { Report } from './report.js';

export const JSON_FORMAT_VERSION = 1;

export function formatJson(report: Report): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

export function toJsonReport(report: Report): Record<string, unknown> {
  return {
    format: 'rehearse-report',
    formatVersion: JSON_FORMAT_VERSION,
    tool: { name: report.tool.name, version: report.tool.version, node: report.tool.node },
    command: report.command,
    snapshots: report.snapshots.map((s) =>
      compact({
        file: s.file,
        size: s.size,
        sha256: s.sha256,
        format: s.format,
        protocol: s.protocol,
        nodes: s.nodes,
        instances: s.instances,
        skipped: s.skipped,
      }),
    ),
    target: report.target ? release(report.target) : null,
    baseline: report.baseline ? release(report.baseline) : null,
    checked: compact({
      engines: [...report.checked.engines],
      done: [...report.checked.done],
      skipped: [...report.checked.skipped],
      python: report.checked.python ? [...report.checked.python] : undefined,
      sandbox: report.checked.sandbox ? sortKeys(report.checked.sandbox) : undefined,
      redacted: report.checked.redacted ? [...report.checked.redacted] : undefined,
    }),
    findings: report.findings.map(finding),
    logs: (report.logs ?? []).map((l) =>
      compact({
        snapshot: l.snapshot,
        path: l.path,
        name: l.name,
        status: l.status,
        added: l.added,
        removed: l.removed,
        diff: l.diff,
        error: l.error,
      }),
    ),
    summary: compact({
      verdict: report.summary.verdict,
      counts: { error: report.summary.counts.error, warning: report.summary.counts.warning, info: report.summary.counts.info },
      accepted: report.summary.accepted ?? 0,
      failOn: report.summary.failOn,
      failed: report.summary.failed,
    }),
  };
}

function release(r: NonNullable<Report['target']>): Record<string, unknown> {
  return compact({
    path: r.path,
    contentHash: r.contentHash,
    python: r.python,
    files: r.files,
    classes: r.classes,
    parseErrors: r.parseErrors,
  });
}

function finding(f: Finding): Record<string, unknown> {
  return compact({
    code: f.code,
    severity: f.severity,
    class: f.class,
    attribute: f.attribute,
    message: f.message,
    count: f.count,
    paths: [...f.paths],
    snapshots: [...f.snapshots],
    evidence: f.evidence.map((e) => compact({ file: e.file, line: e.line, text: e.text, role: e.role })),
    suggestion: f.suggestion,
    engines: [...f.engines],
    confirmed: f.engines.includes('simulated') && f.engines.includes('live'),
    accepted: f.accepted ? compact({ reason: f.accepted.reason }) : undefined,
    details: f.details ? sortKeys(f.details) : undefined,
  });
}

/** Drops undefined fields (JSON.stringify would too, but this keeps the intent visible). */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** Recursively sorted keys: details come from engines in whatever order they built them. */
function sortKeys(v: unknown): Record<string, unknown> {
  return sortValue(v) as Record<string, unknown>;
}

function sortValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortValue);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortValue((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
