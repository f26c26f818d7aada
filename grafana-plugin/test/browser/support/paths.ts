/** Where the browser tests find Chromium and keep their state and screenshots. */
import path from 'path';

export const PLUGIN_ROOT = path.resolve(__dirname, '../../..');
export const STATE_FILE = path.join(PLUGIN_ROOT, 'test/browser/.state.json');
export const ARTIFACTS_DIR = path.join(PLUGIN_ROOT, 'test-artifacts');
/** Debian's Chromium (apt-get install chromium); never a browser downloaded by Playwright. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
