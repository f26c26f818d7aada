import { describe, expect, it } from 'vitest';
import { deduplicationTokenOf } from '../../../src/ingest/deduplication-token.js';

describe('ingest/deduplication-token', () => {
  describe('deduplicationTokenOf', () => {
    const body = Buffer.from('the same request bytes');

    it('is the same for the same app, bytes and admitted spans, wherever it is computed', () => {
      expect(deduplicationTokenOf('shop', body, 3)).toBe(deduplicationTokenOf('shop', Buffer.from(body), 3));
    });

    it('differs between apps sending identical bytes, so one tenant never suppresses another', () => {
      expect(deduplicationTokenOf('shop', body, 3)).not.toBe(deduplicationTokenOf('shop2', body, 3));
    });

    it('does not let an app id and body run together ("ab" + "c" is not "a" + "bc")', () => {
      expect(deduplicationTokenOf('ab', Buffer.from('c'), 1)).not.toBe(deduplicationTokenOf('a', Buffer.from('bc'), 1));
    });

    it('differs when the content or the admitted span count differs', () => {
      expect(deduplicationTokenOf('shop', Buffer.from('other bytes'), 3)).not.toBe(deduplicationTokenOf('shop', body, 3));
      expect(deduplicationTokenOf('shop', body, 2)).not.toBe(deduplicationTokenOf('shop', body, 3));
    });
  });
});
