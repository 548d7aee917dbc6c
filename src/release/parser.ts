// The Python parser: web-tree-sitter with tree-sitter-python's grammar, which recovers from
// both Python 2 and Python 3 syntax (stack.md). Initialised once per process.
import { createRequire } from 'node:module';
import { Language, Parser, type Tree } from 'web-tree-sitter';

let parserPromise: Promise<Parser> | undefined;

async function makeParser(): Promise<Parser> {
  const require = createRequire(import.meta.url);
  await Parser.init();
  const lang = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
  const parser = new Parser();
  parser.setLanguage(lang);
  return parser;
}

/** The shared parser (wasm start-up costs ~35 ms, so it is made once). */
export function pythonParser(): Promise<Parser> {
  parserPromise ??= makeParser();
  return parserPromise;
}

/**
 * Line endings normalised to `\n`: tree-sitter mis-parses lone `\r` line endings without
 * reporting an error (measured), and Python itself accepts all three.
 */
export function normaliseNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Parse one file's text. The caller must `tree.delete()` when done (wasm memory). */
export function parsePython(parser: Parser, text: string): Tree {
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}
