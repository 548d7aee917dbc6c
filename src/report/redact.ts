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
 * `name = 'v'`, `name: "v"`, `'name': 'v'`, `name=v`. The name may be dotted (`self.password`) or
 * quoted (a dict key). Only the name and separator are matched here; the value is read after
 * it, so a harmless `url=…` does not swallow a `token=…` inside its value.
 */
const NAME_SEP = /["']?([A-Za-z_][\w.-]*)["']?(\s*(?:==?|:)\s*)/g;
const QUOTED_VALUE = /^(?:[bBrRuU]{0,2})("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/;
const BARE_VALUE = /^[^\s,;&'")\]}]+/;

/**
 * `pkg.module.Class.persistenceVersion`, `a.b`: a dotted Python name is code, not a secret. The
 * engines' own vocabulary trips the default names (a `versionKey`, `consumedKeys`): its values
 * are such names, and a report with them blacked out would be useless.
 */
function isQualifiedName(v: unknown): boolean {
  return typeof v === 'string' && /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/.test(v);
}

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
    const src = this.literal(text, where);
    let out = '';
    let done = 0;
    NAME_SEP.lastIndex = 0;
    for (let m = NAME_SEP.exec(src); m !== null; m = NAME_SEP.exec(src)) {
      const name = m[1]!;
      const valueAt = m.index + m[0].length;
      if (!this.isSecretName(name)) continue;
      const rest = src.slice(valueAt);
      if (rest.startsWith(REDACTED)) continue;
      const quoted = QUOTED_VALUE.exec(rest);
      const bare = quoted || sourceCode ? null : BARE_VALUE.exec(rest);
      if (quoted) {
        const lit = quoted[1]!;
        if (lit.slice(1, -1) === REDACTED) continue;
        out += `${src.slice(done, valueAt)}${rest.slice(0, quoted[0].length - lit.length)}${lit[0]}${REDACTED}${lit[0]}`;
        done = valueAt + quoted[0].length;
      } else if (bare && !isQualifiedName(bare[0])) {
        out += `${src.slice(done, valueAt)}${REDACTED}`;
        done = valueAt + bare[0].length;
      } else continue;
      this.hits.add(`${name.split('.').pop()} in ${where}`);
      NAME_SEP.lastIndex = done;
    }
    return out + src.slice(done);
  }

  /** details: a secret-named key loses its value whole; other strings are redacted as text. */
  value(v: unknown, where: string, key?: string): unknown {
    const secretKey = key !== undefined && this.isSecretName(key);
    if (secretKey && (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') && !isQualifiedName(v)) {
      this.hits.add(`${key} in ${where}`);
      return REDACTED;
    }
    if (typeof v === 'string') return this.text(v, where);
    // A list under a secret-looking key (a list of tokens) is judged item by item.
    if (Array.isArray(v)) return v.map((x) => this.value(x, where, secretKey ? key : undefined));
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
    ...(report.checked.python ? { python: report.checked.python.map((s) => r.literal(s, 'checked')) } : {}),
    ...(report.checked.sandbox ? { sandbox: r.value(report.checked.sandbox, 'checked') as Record<string, boolean | string> } : {}),
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
