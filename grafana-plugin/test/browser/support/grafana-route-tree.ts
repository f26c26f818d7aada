/**
 * Grafana's URL pattern matcher (the macaron route tree in grafana/grafana
 * `pkg/web/tree.go`), rewritten here so the test host matches plugin proxy
 * routes exactly as Grafana does, never more kindly. Grafana builds one tree
 * per plugin.json route (`web.NewTree(); t.Add(route.Path)`) and asks it to
 * match the proxied path (`pkg/api/pluginproxy/pluginproxy.go`). Semantics:
 *
 * - A pattern is split on `/` into segments; the last one is a leaf. One
 *   trailing `/` of the pattern and one leading and one trailing `/` of the
 *   path are dropped; nothing else is normalised.
 * - A static segment matches only itself, compared with the path segment
 *   after percent-decoding (a bad escape fails the match).
 * - `*` as the last segment matches one or more remaining segments and
 *   captures them (decoded) as `*`; it never matches an empty remainder, so
 *   `collector/*` does not match `collector` nor `collector/`. As an inner
 *   segment it matches exactly one segment.
 * - `:name` matches one whole segment (as a leaf: any remainder without a
 *   `/`, even an empty one). `:name(re)`, `:name:int`, `:name:string`, or a
 *   segment mixing text and `:name`, is a regular expression searched (not
 *   anchored, as Go's FindStringSubmatch) in the segment.
 * - `*.*` as the leaf captures `:path` and `:ext`.
 * - There is no prefix matching: `collector` matches only `collector`.
 */

export type RouteParams = Record<string, string>;

type PatternType = 'static' | 'regexp' | 'pathExt' | 'holder' | 'matchAll';

interface Segment {
  type: PatternType;
  pattern: string;
  wildcards: string[];
  regexp?: RegExp;
}

const WILDCARD = /:[a-zA-Z0-9]+/;

/** One `:name` of a segment replaced by its regular expression (Go's getNextWildcard). */
function nextWildcard(pattern: string): { wildcard: string; pattern: string } {
  const found = WILDCARD.exec(pattern);
  if (!found) {
    return { wildcard: '', pattern };
  }
  const wildcard = found[0];
  const start = found.index;
  const end = start + wildcard.length;
  if (end === pattern.length) {
    return { wildcard, pattern: pattern.replace(wildcard, '(.+)') };
  }
  if (pattern[end] !== '(') {
    if (pattern.startsWith(':int', end)) {
      pattern = pattern.replace(':int', '([0-9]+)');
    } else if (pattern.startsWith(':string', end)) {
      pattern = pattern.replace(':string', '([\\w]+)');
    } else {
      return { wildcard, pattern: pattern.replace(wildcard, '(.+)') };
    }
  }
  return { wildcard, pattern: pattern.slice(0, start) + pattern.slice(end) };
}

function parseSegment(raw: string): Segment {
  if (raw.startsWith('?')) {
    // Optional segments exist in macaron but no plugin route uses them; refusing is stricter than guessing.
    throw new Error(`Optional route segments ("${raw}") are not modelled by the test host`);
  }
  if (raw === '*') {
    return { type: 'matchAll', pattern: raw, wildcards: [] };
  }
  if (raw === '*.*') {
    return { type: 'pathExt', pattern: raw, wildcards: [] };
  }
  if (!raw.includes(':')) {
    return { type: 'static', pattern: raw, wildcards: [] };
  }
  const wildcards: string[] = [];
  let pattern = raw;
  for (;;) {
    const next = nextWildcard(pattern);
    if (!next.wildcard) {
      break;
    }
    wildcards.push(next.wildcard);
    pattern = next.pattern;
  }
  if (pattern === '(.+)') {
    return { type: 'holder', pattern: raw, wildcards };
  }
  return { type: 'regexp', pattern: raw, wildcards, regexp: new RegExp(pattern) };
}

/** Go's url.PathUnescape: undefined for a malformed escape. */
function pathUnescape(value: string): string | undefined {
  if (/%(?![0-9a-fA-F]{2})/.test(value)) {
    return undefined;
  }
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function captureRegexp(segment: Segment, value: string, params: RouteParams): boolean {
  const results = segment.regexp!.exec(value);
  if (!results || results.length - 1 !== segment.wildcards.length) {
    return false;
  }
  segment.wildcards.forEach((wildcard, index) => (params[wildcard] = results[index + 1] ?? ''));
  return true;
}

function capturePathExt(value: string, params: RouteParams): void {
  const dot = value.lastIndexOf('.');
  params[':path'] = dot > -1 ? value.slice(0, dot) : value;
  if (dot > -1) {
    params[':ext'] = value.slice(dot + 1);
  }
}

function matchLeaf(leaf: Segment, rawUrl: string, globLevel: number, params: RouteParams): boolean {
  const url = pathUnescape(rawUrl);
  if (url === undefined) {
    return false;
  }
  switch (leaf.type) {
    case 'static':
      return leaf.pattern === url;
    case 'regexp':
      return captureRegexp(leaf, url, params);
    case 'pathExt':
      capturePathExt(url, params);
      return true;
    case 'holder':
      params[leaf.wildcards[0]] = url;
      return true;
    case 'matchAll':
      params['*'] = url;
      params[`*${globLevel}`] = url;
      return true;
  }
}

/** A route pattern compiled once; `match` answers like Grafana's `Tree.Match`. */
export interface RouteTree {
  readonly pattern: string;
  match(path: string): { matched: boolean; params: RouteParams };
}

/**
 * Compiles a route path as Grafana's `web.NewTree().Add(path)` does.
 *
 * @example
 * createRouteTree('collector/api/v1/*').match('collector/api/v1/executions')
 * // → { matched: true, params: { '*': 'executions', '*0': 'executions' } }
 */
export function createRouteTree(routePath: string): RouteTree {
  const trimmed = routePath.endsWith('/') ? routePath.slice(0, -1) : routePath;
  const withoutLead = trimmed.startsWith('/') ? trimmed.slice(1) : trimmed;
  const segments = withoutLead.split('/').map(parseSegment);
  const leafIndex = segments.length - 1;

  const matchNext = (level: number, url: string, globLevel: number, params: RouteParams): boolean => {
    const slash = url.indexOf('/');
    if (slash === -1) {
      return level === leafIndex && matchLeaf(segments[level], url, globLevel, params);
    }
    const segment = url.slice(0, slash);
    const rest = url.slice(slash + 1);
    const unescaped = pathUnescape(segment);
    if (unescaped === undefined) {
      return false;
    }
    if (level < leafIndex) {
      const subtree = segments[level];
      if (subtree.type === 'static' && subtree.pattern === unescaped && matchNext(level + 1, rest, globLevel, params)) {
        return true;
      }
      if (subtree.type === 'regexp' && captureRegexp(subtree, unescaped, params)) {
        if (matchNext(level + 1, rest, globLevel, params)) {
          return true;
        }
      }
      if (subtree.type === 'holder' && matchNext(level + 1, rest, globLevel + 1, params)) {
        params[subtree.wildcards[0]] = unescaped;
        return true;
      }
      if (subtree.type === 'matchAll' && matchNext(level + 1, rest, globLevel + 1, params)) {
        params[`*${globLevel}`] = unescaped;
        return true;
      }
      return false;
    }
    // The leaf level with more than one segment left: only a catch-all leaf takes the remainder.
    const leaf = segments[level];
    const remainder = pathUnescape(`${segment}/${rest}`);
    if (remainder === undefined) {
      return false;
    }
    if (leaf.type === 'pathExt') {
      capturePathExt(remainder, params);
      return true;
    }
    if (leaf.type === 'matchAll') {
      params['*'] = remainder;
      params[`*${globLevel}`] = remainder;
      return true;
    }
    return false;
  };

  return {
    pattern: routePath,
    match(path: string) {
      let url = path.startsWith('/') ? path.slice(1) : path;
      url = url.endsWith('/') ? url.slice(0, -1) : url;
      const params: RouteParams = {};
      const matched = matchNext(0, url, 0, params);
      return { matched, params: matched ? params : {} };
    },
  };
}
