// One entry point for the commands: `--format NAME` → the formatter, with the options each needs.
import type { ChalkInstance } from 'chalk';
import type { Report } from './report.js';
import { splitBySnapshot } from './build.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';
import { UserError } from '../errors.js';

export const REPORT_FORMATS = ['text', 'markdown', 'json', 'junit', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderOptions {
  /** For text: the chalk instance of stdout (level 0 for no colour). */
  color: ChalkInstance;
  /** For text: the terminal width, when stdout is a terminal. */
  width?: number;
  maxPaths?: number;
  /** For SARIF: the target release's root (evidence files are relative to it). */
  releaseRoot?: string;
  /** For JUnit: one testcase per snapshot (default) or one for the whole run, named so. */
  junitName?: string;
}

/** Parses a `--format` value; anything else is a UserError listing the choices. */
export function parseFormat(value: string): ReportFormat {
  const v = value === 'md' ? 'markdown' : value;
  if ((REPORT_FORMATS as readonly string[]).includes(v)) return v as ReportFormat;
  throw new UserError(`unknown --format ${JSON.stringify(value)} (choose one of ${REPORT_FORMATS.join(', ')})`);
}

export function renderReport(format: ReportFormat, report: Report, options: RenderOptions): string {
  switch (format) {
    case 'text':
      return formatText(report, { color: options.color, ...(options.width ? { width: options.width } : {}), ...(options.maxPaths ? { maxPaths: options.maxPaths } : {}) });
    case 'markdown':
      return formatMarkdown(report, options.maxPaths ? { maxPaths: options.maxPaths } : {});
    case 'json':
      return formatJson(report);
    case 'junit':
      return formatJunit(options.junitName !== undefined ? [{ name: options.junitName, report }] : splitBySnapshot(report));
    case 'sarif':
      return formatSarif([{ name: options.junitName ?? report.snapshots[0]?.file ?? 'rehearse', report }], {
        releaseRoot: options.releaseRoot ?? report.target?.path ?? '.',
      });
  }
}
