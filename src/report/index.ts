// The report part's public surface, for the commands: build a report, apply accept files,
// redact, and format it. Formatters are pure: (report, options) => string.
export { buildReport, mergeEngines, sortFindings, compareFindings, summarize, exitCodeFor, failingFindings, disagreements, splitBySnapshot } from './build.js';
export type { BuildReportInput, FailOn } from './build.js';
export { applyAccept, acceptFromReport, serializeAccept, parseAccept, loadAcceptFile, normalizeSnapshotName } from './accept.js';
export type { AcceptEntry, AcceptFile } from './accept.js';
export { redactReport, DEFAULT_SECRET_NAMES, REDACTED } from './redact.js';
export type { RedactOptions } from './redact.js';
export { formatText } from './text.js';
export type { TextOptions } from './text.js';
export { formatMarkdown } from './markdown.js';
export type { MarkdownOptions } from './markdown.js';
export { formatJson, toJsonReport, JSON_FORMAT_VERSION } from './json.js';
export { formatJunit } from './junit.js';
export type { NamedReport } from './junit.js';
export { formatSarif, toSarif, RELEASE_BASE } from './sarif.js';
export type { SarifOptions } from './sarif.js';
export { RULES, ALL_CODES } from './rules.js';
export type { RuleText } from './rules.js';
export { renderReport, parseFormat, REPORT_FORMATS } from './render.js';
export type { ReportFormat, RenderOptions } from './render.js';
