/**
 * Bundles the test host page (test/browser/host) with esbuild: the real
 * React, @grafana/ui, @grafana/data and @grafana/runtime, which the host
 * hands to the plugin's built module.js the way Grafana does.
 */
import path from 'path';
import { build } from 'esbuild';

export const HOST_DIR = path.resolve(__dirname, '../host');
export const HOST_BUILD_DIR = path.resolve(__dirname, '../.host-build');

export async function buildHost(): Promise<void> {
  await build({
    entryPoints: { host: path.join(HOST_DIR, 'host.tsx') },
    outdir: HOST_BUILD_DIR,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minify: true,
    sourcemap: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.png': 'dataurl' },
  });
}
