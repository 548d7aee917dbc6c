// Redaction: a report is often pasted into a bug mail or an issue; secrets that rode along in the
// snapshot (passwords in slave configs, tokens in URLs in logs) must not. Two rules:
//  1. values of secret-looking names (`password = 'x'`, `{'token': 'x'}`, `auth=x`, a `details`
//     key named `secret`) become [REDACTED];
//  2. every string the user listed becomes [REDACTED] wherever it appears, paths included.
// What was redacted is recorded by name only in `checked.redacted`, never the value.
import type { Finding } from './finding.js';
import type { LogDiffSummary, Report } from './report.js';

export const REDACTED = '[REDACTED]';
export const DEFAULT_SECRET_NAMES = /pass(word|wd)?|secret|token|key|auth|cookie/i;

export interface RedactOptions {
  /** Attribute/key names whose values are secret. */
  names?: RegExp;
  /** Literal strings to remove wherever they appear (empty strings are ignored). */
  values?: string[];
}

/**
 * `name = 'v'`, `name: "v"`, `'name': 'v'`, `name=v` (unquoted up to a separator). The name may be
 * dotted (`self.password`) or quoted (a dict key). Group 1 = name, 2 = between, 3 = value.
 */
const ASSIGNMENT =
  /["']?([A-Za-z_][\w.-]*)["']?(\s*(?:=|:)\s*)((?:[bBrRuU]{0,2})(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|[^\s,;&'")\]}]+)/g;

/** Source-code evidence: only string literals are values (an identifier on the right is code). */
const SOURCE_ROLES = new Set(['read', 'init', 'upgrade', 'reattach', 'definition']);

class Redactor {
  readonly hits = new Set<string>();
  private readonly values: string[];
  /** 1-based position of each value as the user listed it: what `checked.redacted` names. */
  private readonly number = new Map<string, number>();
  constructor(
    private readonly names: RegExp,
    values: string[],
  ) {
    values.forEach((v, i) => {
      if (v.length > 0 && !this.number.has(v)) this.number.set(v, i + 1);
    });
    // Longest first, so a listed value that contains another is replaced whole.
    this.values = [...this.number.keys()].sort((a, b) => b.length - a.length);
  }

  private isSecretName(name: string): boolean {
    const last = name.split('.').pop() ?? name;
    this.names.lastIndex = 0;
    return this.names.test(last);
  }

  /** Listed values only (for paths, file names: structure that has no `name = value` form). */
  literal(text: string, where: string): string {
    let out = text;
    for (const v of this.values) {
      if (out.includes(v)) {
        out = out.split(v).join(REDACTED);
        this.hits.add(`listed value #${this.number.get(v)} in ${where}`);
      }
    }
    return out;
  }

  /** Listed values, then values of secret-looking names. */
  text(text: string, where: string, sourceCode = false): string {
    const out = this.literal(text, where);
    return out.replace(ASSIGNMENT, (whole, name: string, between: string, value: string) => {
      if (!this.isSecretName(name) || value === REDACTED || value.includes(REDACTED)) return whole;
      const quoted = /^[bBrRuU]{0,2}["']/.test(value);
      if (sourceCode && !quoted) return whole;
      // Keep what precedes the name (a quote of a dict key) exactly as it was.
      const prefix = whole.slice(0, whole.length - name.length - between.length - value.length);
      const q = quoted ? value.replace(/^[bBrRuU]{0,2}/, '')[0] : '';
      this.hits.add(`${name.split('.').pop()} in ${where}`);
      return `${prefix}${name}${between}${q}${REDACTED}${q}`;
    });
  }

  /** details: a secret-named key loses its value whole; other strings are redacted as text. */
  value(v: unknown, where: string, key?: string): unknown {
    if (key !== undefined && this.isSecretName(key) && v !== null && v !== undefined && typeof v !== 'boolean') {
      this.hits.add(`${key} in ${where}`);
      return REDACTED;
    }
    if (typeof v === 'string') return this.text(v, where);
    if (Array.isArray(v)) return v.map((x) => this.value(x, where));
    if (typeof v === 'object' && v !== null) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[this.literal(k, where)] = this.value(x, where, k);
      return o;
    }
    return v;
  }
}

export function redactReport(report: Report, options: RedactOptions = {}): Report {
  const r = new Redactor(options.names ?? DEFAULT_SECRET_NAMES, options.values ?? []);
  const findings = report.findings.map((f) => redactFinding(f, r));
  const logs = report.logs?.map((l) => redactLog(l, r));
  const checked: Report['checked'] = {
    ...report.checked,
    done: report.checked.done.map((s) => r.text(s, 'checked')),
    skipped: report.checked.skipped.map((s) => r.text(s, 'checked')),
  };
  const snapshots = report.snapshots.map((s) => ({
    ...s,
    file: r.literal(s.file, 'snapshot names'),
    ...(s.skipped !== undefined ? { skipped: r.text(s.skipped, 'snapshot names') } : {}),
  }));
  const release = (x: Report['target']) => (x ? { ...x, path: r.literal(x.path, 'release paths') } : x);
  const previous = report.checked.redacted ?? [];
  const redacted = [...new Set([...previous, ...r.hits])].sort();
  return {
    ...report,
    command: r.text(report.command, 'command'),
    snapshots,
    ...(report.target ? { target: release(report.target) } : {}),
    ...(report.baseline ? { baseline: release(report.baseline) } : {}),
    checked: { ...checked, ...(redacted.length > 0 ? { redacted } : {}) },
    findings,
    ...(logs ? { logs } : {}),
  };
}

function redactFinding(f: Finding, r: Redactor): Finding {
  const where = `finding ${f.code}`;
  const out: Finding = {
    ...f,
    message: r.text(f.message, where),
    paths: f.paths.map((p) => r.literal(p, where)),
    snapshots: f.snapshots.map((s) => r.literal(s, where)),
    evidence: f.evidence.map((e) => ({
      ...e,
      file: r.literal(e.file, where),
      ...(e.text !== undefined ? { text: r.text(e.text, where, SOURCE_ROLES.has(e.role)) } : {}),
    })),
  };
  if (f.class !== undefined) out.class = r.literal(f.class, where);
  if (f.attribute !== undefined) out.attribute = r.literal(f.attribute, where);
  if (f.suggestion !== undefined) out.suggestion = r.text(f.suggestion, where, true);
  if (f.details !== undefined) out.details = r.value(f.details, where) as Record<string, unknown>;
  return out;
}

function redactLog(l: LogDiffSummary, r: Redactor): LogDiffSummary {
  const where = 'log diffs';
  return {
    ...l,
    path: r.literal(l.path, where),
    snapshot: r.literal(l.snapshot, where),
    name: r.literal(l.name, where),
    ...(l.diff !== undefined ? { diff: r.text(l.diff, where) } : {}),
    ...(l.error !== undefined ? { error: r.text(l.error, where) } : {}),
  };
}
