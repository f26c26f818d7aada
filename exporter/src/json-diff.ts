/**
 * A structural diff of two JSON values: which paths were added, removed or
 * changed, so "the output's score went from 0.82 to 0.41" reads as one line
 * instead of two blobs of JSON to compare by eye. Pure, no I/O. The one copy:
 * the SDK's replay uses it, and the collector's execution compare imports it
 * as `@xray/sdk/json-diff`.
 */

export type JsonChangeKind = 'added' | 'removed' | 'changed';

export interface JsonChange {
  /** JSONPath-like location, `$` for the value itself, e.g. `$.applicant.score`, `$.items[2]`. */
  path: string;
  kind: JsonChangeKind;
  before?: unknown;
  after?: unknown;
}

export interface JsonDiffOptions {
  /** Stop after this many changes (a wholly different document would otherwise list every leaf). */
  maxChanges?: number;
}

export interface JsonDiff {
  changes: JsonChange[];
  /** True when more than `maxChanges` changes exist and the list was cut. */
  truncated: boolean;
}

const DEFAULT_MAX_CHANGES = 100;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Compares two JSON values key by key (objects) and index by index (arrays).
 *
 * @example
 * diffJson({ score: 0.82, flags: [] }, { score: 0.41, flags: ['manual'] });
 * // { changes: [{ path: '$.score', kind: 'changed', before: 0.82, after: 0.41 },
 * //             { path: '$.flags[0]', kind: 'added', after: 'manual' }], truncated: false }
 */
export function diffJson(before: unknown, after: unknown, options: JsonDiffOptions = {}): JsonDiff {
  const max = options.maxChanges ?? DEFAULT_MAX_CHANGES;
  const changes: JsonChange[] = [];
  let truncated = false;

  function push(change: JsonChange): boolean {
    if (changes.length >= max) {
      truncated = true;
      return false;
    }
    changes.push(change);
    return true;
  }

  function walk(a: unknown, b: unknown, path: string): boolean {
    if (Array.isArray(a) && Array.isArray(b)) {
      const length = Math.max(a.length, b.length);
      for (let index = 0; index < length; index++) {
        const at = childPath(path, index);
        if (index >= a.length) {
          if (!push({ path: at, kind: 'added', after: b[index] })) return false;
        } else if (index >= b.length) {
          if (!push({ path: at, kind: 'removed', before: a[index] })) return false;
        } else if (!walk(a[index], b[index], at)) {
          return false;
        }
      }
      return true;
    }
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(a)) {
        const at = childPath(path, key);
        if (!Object.hasOwn(b, key)) {
          if (!push({ path: at, kind: 'removed', before: a[key] })) return false;
        } else if (!walk(a[key], b[key], at)) {
          return false;
        }
      }
      for (const key of Object.keys(b)) {
        if (!Object.hasOwn(a, key) && !push({ path: childPath(path, key), kind: 'added', after: b[key] })) return false;
      }
      return true;
    }
    if (Object.is(a, b) || (a === null && b === null)) return true;
    return push({ path, kind: 'changed', before: a, after: b });
  }

  walk(before, after, '$');
  return { changes, truncated };
}

/**
 * A stored input or output (JSON text, or plain text for a string value) back
 * to a value: text that is not JSON stays text, empty text is `null`.
 *
 * @example
 * parseJsonText('{"score":750}'); // { score: 750 }
 * parseJsonText('plain prompt'); // 'plain prompt'
 */
export function parseJsonText(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
