// `rehearse inspect --json`: one JSON document for the whole run (schema: docs/inspect-json.md).
// Pure: facts in, text out; keys in a fixed order, no timestamps, so runs diff cleanly.
import type { SnapshotFacts } from './facts.js';

export const INSPECT_SCHEMA_VERSION = 1;

export interface SkippedEntry {
  file: string;
  status: 'skipped';
  reason: string;
  size: number;
  sha256: string;
}

export interface ErrorEntry {
  file: string;
  status: 'error';
  error: string;
  offset?: number;
  opcode?: string;
}

export type InspectEntry = SnapshotFacts | SkippedEntry | ErrorEntry;

export interface InspectDocument {
  schema: 'rehearse-inspect';
  schemaVersion: number;
  tool: { name: 'rehearse'; version: string };
  snapshots: InspectEntry[];
  notes: string[];
  totals: { inspected: number; partial: number; skipped: number; failed: number; unsafe: number };
}

export function inspectDocument(version: string, entries: InspectEntry[], notes: string[]): InspectDocument {
  const inspected = entries.filter((e) => e.status === 'ok' || e.status === 'partial') as SnapshotFacts[];
  return {
    schema: 'rehearse-inspect',
    schemaVersion: INSPECT_SCHEMA_VERSION,
    tool: { name: 'rehearse', version },
    snapshots: entries,
    notes,
    totals: {
      inspected: inspected.length,
      partial: inspected.filter((e) => e.status === 'partial').length,
      skipped: entries.filter((e) => e.status === 'skipped').length,
      failed: entries.filter((e) => e.status === 'error').length,
      unsafe: inspected.filter((e) => e.unsafe.some((u) => u.confidence !== 'low')).length,
    },
  };
}

/** bigint-safe JSON (ints beyond 2^53 become strings). */
export function formatJson(doc: InspectDocument): string {
  return JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}
