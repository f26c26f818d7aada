/**
 * Builds the browser entry (src/index.browser.ts) into one ESM file with its
 * OpenTelemetry dependencies inlined: what the `browser` export condition
 * points at, and what a page can load with <script type="module">. esbuild's
 * browser platform refuses any Node built-in, so a build that succeeds is
 * also the check that the browser path has none.
 *
 * Usage: node scripts/build-browser.mjs [outfile]   (default dist/browser/xray.js)
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const EXPORTER_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Builds the bundle to `outfile` (absolute, or relative to exporter/); returns esbuild's result with its metafile. */
export function buildBrowserBundle(outfile = 'dist/browser/xray.js') {
  return build({
    absWorkingDir: EXPORTER_DIR,
    entryPoints: ['src/index.browser.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    metafile: true,
    outfile,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBrowserBundle(process.argv[2]);
}
