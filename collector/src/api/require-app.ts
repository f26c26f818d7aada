/** The 404 every admin route under /apps/:appId gives for an app that does not exist. */
import { XRayError } from '../errors.js';
import type { AppsRepository } from '../store/index.js';

/**
 * @example
 * await requireApp(store.apps, request.params.appId); // throws XRAY_ERR_NOT_FOUND
 */
export async function requireApp(apps: Pick<AppsRepository, 'getApp'>, appId: string): Promise<void> {
  if (!(await apps.getApp(appId))) throw new XRayError('XRAY_ERR_NOT_FOUND', `No app ${JSON.stringify(appId)}`);
}
