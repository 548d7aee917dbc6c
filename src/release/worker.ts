// A worker thread of extractAll: parse and extract its share of files, post the facts back.
import { parentPort, workerData } from 'node:worker_threads';
import { extractFile, type FileInput } from './index-files.js';
import { pythonParser } from './parser.js';

const { files, moduleNames } = workerData as { files: FileInput[]; moduleNames: string[] };
try {
  const parser = await pythonParser();
  const names = new Set(moduleNames);
  parentPort!.postMessage({ facts: files.map((f) => extractFile(parser, f, names)) });
} catch (e) {
  parentPort!.postMessage({ error: (e as Error).message });
}
