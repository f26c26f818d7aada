/** The Node platform with a given environment instead of `process.env`. */
import { nodePlatform } from '../../src/platform/node.js';
import type { Platform } from '../../src/platform/platform.js';

export function platformWithEnv(env: Record<string, string | undefined>): Platform {
  return { ...nodePlatform, env };
}
