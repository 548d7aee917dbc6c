// Log profiles: which snapshot objects are logs, and how a release renders one.
import { promises as fs } from 'node:fs';
import { UserError } from '../errors.js';

/** Set an attribute on matching objects after loading, as the app does at start-up. */
export interface AttachSpec {
  /** Class pattern (fnmatch on `module.Name` or `Name`). */
  class: string;
  attr: string;
  /**
   * The value: `$BASEDIR` (the sandbox's copy of the basedir), `$BASEDIR_NAME` (the original
   * basedir's folder name, e.g. a Buildbot builder's name), a JSON scalar, or an object
   * (becomes a stub object whose attributes are its keys; `$BASEDIR` allowed as a value).
   */
  value: string | number | boolean | null | Record<string, string | number | boolean | null>;
  /** Only when the object does not have it already (default true). */
  onlyIfMissing?: boolean;
}

export interface LogProfile {
  name: string;
  /** Class patterns (fnmatch, case-sensitive) on `module.Name` or bare `Name`. */
  classes: string[];
  /** Render methods, by preference: the first one the object has is called with no arguments. */
  methods: string[];
  /** Attribute holding the log's display name (default `name`). */
  nameAttr?: string;
  /** The renders are HTML (offer HTML normalisation when diffing). */
  html?: boolean;
  attach?: AttachSpec[];
}

/**
 * Buildbot-style masters: `*LogFile` objects keep metadata in the pickle and their text in a
 * basedir file; `getTextWithHeaders()` (all channels) is preferred over `getText()`. The file is
 * found through `step.build.builder.basedir`, and `build.builder` is set by the master after
 * loading, so a stub builder (basedir: the copy; name: the folder's name, which Buildbot derives
 * from the builder's name) is attached to builds that lack one.
 */
export const BUILDBOT_PROFILE: LogProfile = {
  name: 'buildbot',
  classes: ['*LogFile'],
  methods: ['getTextWithHeaders', 'getText'],
  nameAttr: 'name',
  attach: [
    { class: '*BuilderStatus', attr: 'basedir', value: '$BASEDIR' },
    { class: '*BuildStatus', attr: 'builder', value: { basedir: '$BASEDIR', name: '$BASEDIR_NAME' } },
  ],
};

/** `--log-class module.Class --render-method name` */
export function profileFromOptions(logClass: string, renderMethod: string): LogProfile {
  if (!/^[\w.*?[\]]+$/.test(logClass)) throw new UserError(`--log-class: not a class pattern: ${logClass}`);
  if (!/^\w+$/.test(renderMethod)) throw new UserError(`--render-method: not a method name: ${renderMethod}`);
  return { name: 'custom', classes: [logClass], methods: [renderMethod] };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0);
}

const SCALAR = ['string', 'number', 'boolean'];

function checkAttach(v: unknown, file: string): AttachSpec[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new UserError(`${file}: "attach" must be a list`);
  return v.map((a: unknown, i) => {
    const o = a as Partial<AttachSpec> | null;
    if (!o || typeof o.class !== 'string' || typeof o.attr !== 'string' || !('value' in o)) {
      throw new UserError(`${file}: attach[${i}] needs "class", "attr" and "value"`);
    }
    const val = o.value;
    const ok =
      val === null ||
      SCALAR.includes(typeof val) ||
      (typeof val === 'object' && !Array.isArray(val) && Object.values(val).every((x) => x === null || SCALAR.includes(typeof x)));
    if (!ok) throw new UserError(`${file}: attach[${i}].value must be a scalar or a flat object`);
    return { class: o.class, attr: o.attr, value: val as AttachSpec['value'], onlyIfMissing: o.onlyIfMissing !== false };
  });
}

/** Parses a profile from JSON text (`file` names it in errors). */
export function parseLogProfile(text: string, file: string): LogProfile {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const o = j as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new UserError(`${file}: a log profile is a JSON object`);
  if (!isStringArray(o.classes)) throw new UserError(`${file}: "classes" must be a non-empty list of class patterns`);
  if (!isStringArray(o.methods)) throw new UserError(`${file}: "methods" must be a non-empty list of method names`);
  if (o.nameAttr !== undefined && typeof o.nameAttr !== 'string') throw new UserError(`${file}: "nameAttr" must be a string`);
  return {
    name: typeof o.name === 'string' ? o.name : 'custom',
    classes: o.classes,
    methods: o.methods,
    ...(typeof o.nameAttr === 'string' ? { nameAttr: o.nameAttr } : {}),
    html: o.html === true,
    attach: checkAttach(o.attach, file),
  };
}

export async function loadLogProfile(file: string): Promise<LogProfile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read the log profile (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseLogProfile(text, file);
}
