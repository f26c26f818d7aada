import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { createResourceFill } from '../../src/resource-fill.js';

describe('resource-fill', () => {
  describe('createResourceFill', () => {
    const fill = createResourceFill({ 'service.name': 'checkout', team: 'risk' });

    it('replaces an unknown_service name and adds what the provider lacks', () => {
      const filled = fill(resourceFromAttributes({ 'service.name': 'unknown_service:node', host: 'h1' }));
      expect(filled.attributes).toEqual({ 'service.name': 'checkout', team: 'risk', host: 'h1' });
    });

    it("keeps a name and attributes the provider set, and returns the same object for the same resource", () => {
      const own = resourceFromAttributes({ 'service.name': 'payments', team: 'core' });
      expect(fill(own)).toBe(own);
      const other = resourceFromAttributes({ host: 'h2' });
      expect(fill(other)).toBe(fill(other));
    });
  });
});
