/**
 * Loaded beside the app's code when the app opens on an execution's URL:
 * starts the Execution page's code and its two outline requests at once
 * (see ./outline-prefetch.ts), through the client the page will use.
 */
import { defaultCollectorClient } from './hooks';
import { prefetchOutline } from './outline-prefetch';
import { FIRST_OUTLINE_STEPS } from './step-hooks';

export function prefetchExecutionPage(executionId: string): void {
  void import('../pages/Execution');
  prefetchOutline(defaultCollectorClient(), executionId, [FIRST_OUTLINE_STEPS, undefined]);
}
