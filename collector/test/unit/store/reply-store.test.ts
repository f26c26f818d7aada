/**
 * The reply store on a real LMDB folder: a day's replies are served only once
 * the day is verified, and no more once it is unverified; an execution
 * forgotten while its range was being read is not stored; a forgotten reply
 * is never served again, not even before its removal is committed; only the
 * replies of the build a day is served from are served; a reply's steps are
 * decoded alone, and a searched reply kept in memory is never served past a
 * write, a forget or another build; what was verified survives a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openReplyStore } from '../../../src/store/reply-store.js';
import type { ReplyEntry, ReplyStore } from '../../../src/store/reply-store.js';

const DAY = '2026-11-30';
const SIGNATURE = { parts: 'executions:a|steps:b', content: 'executions:1:5|steps:2:5' };
const BUILD = 'b1';
const entry = (executionId: string, appId = 'app', build = BUILD): ReplyEntry => ({ appId, executionId, day: DAY, build, startMillis: 1, rows: 2, json: `{"id":"${executionId}"}` });

describe('reply store', () => {
  let folder: string;
  let store: ReplyStore;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'xray-reply-store-'));
    store = openReplyStore(folder);
  });
  afterEach(async () => {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('serves a day only between verify and unverify', async () => {
    expect(await store.storeBatch('app', async () => [entry('a'), entry('b')])).toEqual(['app\u0000a', 'app\u0000b']);
    expect(store.get('app', 'a')).toBeUndefined();
    await store.verify(DAY, SIGNATURE, ['app\u0000a', 'app\u0000b'], BUILD);
    expect(store.get('app', 'a')).toEqual({ day: DAY, build: BUILD, startMillis: 1, rows: 2, json: '{"id":"a"}' });
    expect(store.get('other', 'a')).toBeUndefined();
    expect(store.days()).toEqual(new Map([[DAY, { ...SIGNATURE, build: BUILD }]]));
    await store.reparts(DAY, 'executions:c|steps:d');
    expect(store.get('app', 'b')?.json).toBe('{"id":"b"}');
    expect(store.days().get(DAY)).toEqual({ parts: 'executions:c|steps:d', content: SIGNATURE.content, build: BUILD });
    await store.unverify(DAY, true);
    expect(store.get('app', 'a')).toBeUndefined();
    expect(store.stats.entries).toBe(0);
  });

  it("decodes a served reply's steps alone, by position, from its stored bytes", async () => {
    const steps = [{ n: 'é😀"]' }, { n: 'two', nested: { steps: [1] } }, { n: 3 }];
    const json = JSON.stringify({ execution: { steps: 'x' }, steps, scores: [] });
    await store.storeBatch('app', async () => [{ ...entry('s'), json }]);
    expect(store.stepBytes('app', 's', [0])).toBeUndefined();
    await store.verify(DAY, SIGNATURE, ['app\u0000s'], BUILD);
    expect(store.get('app', 's')?.json).toBe(json);
    const found = store.stepBytes('app', 's', [2, 0, 1]);
    expect(found?.day).toBe(DAY);
    expect(found?.steps.map((bytes) => JSON.parse(bytes.toString('utf8')))).toEqual([steps[2], steps[0], steps[1]]);
    expect(store.stepBytes('app', 's', [])).toMatchObject({ day: DAY, steps: [] });
    // Past its steps, or a reply without them: none.
    expect(store.stepBytes('app', 's', [3])).toBeUndefined();
    expect(store.stepBytes('app', 'a', [0])).toBeUndefined();
    await store.storeBatch('app', async () => [entry('a')]);
    expect(store.stepBytes('app', 'a', [0])).toBeUndefined();
    await store.forget('app', 's');
    expect(store.stepBytes('app', 's', [0])).toBeUndefined();
  });

  it('keeps a searched reply in memory within its budget, and never serves it past a write, a forget or another build', async () => {
    const reply = (executionId: string, name: string, build = BUILD) => ({ ...entry(executionId, 'app', build), json: JSON.stringify({ steps: [{ name }] }) });
    const nameIn = (found: { steps: Buffer[] } | undefined) => found && (JSON.parse(found.steps[0]!.toString('utf8')) as { name: string }).name;
    await store.storeBatch('app', async () => [reply('s', 'first'), reply('t', 'other')]);
    await store.verify(DAY, SIGNATURE, ['app\u0000s', 'app\u0000t'], BUILD);
    // A timeline's read keeps nothing (the route's own cache does); a search's does.
    expect(store.get('app', 's')).toBeDefined();
    expect(store.stats.cacheBytes).toBe(0);
    expect(nameIn(store.stepBytes('app', 's', [0]))).toBe('first');
    const kept = store.stats.cacheBytes;
    expect(kept).toBeGreaterThan(0);
    expect(nameIn(store.stepBytes('app', 's', [0]))).toBe('first');
    expect(store.stats.cacheBytes).toBe(kept);
    // The same kept bytes stand for themselves with the same object, for what a caller reads of them.
    const held = store.stepBytes('app', 's', [0])?.reply;
    expect(store.stepBytes('app', 's', [0])?.reply).toBe(held);
    // Written again under the same build: the new bytes, under a new object.
    await store.storeBatch('app', async () => [reply('s', 'second')]);
    expect(nameIn(store.stepBytes('app', 's', [0]))).toBe('second');
    expect(store.stepBytes('app', 's', [0])?.reply).not.toBe(held);
    // Forgotten: none, in memory or on disk.
    await store.forget('app', 's');
    expect(store.stepBytes('app', 's', [0])).toBeUndefined();
    expect(store.stats.cacheBytes).toBe(0);
    // Another build served: its reply, not the one kept from the build before.
    expect(nameIn(store.stepBytes('app', 't', [0]))).toBe('other');
    await store.storeBatch('app', async () => [reply('t', 'rebuilt', 'b2')]);
    await store.unverify(DAY, false);
    expect(store.stepBytes('app', 't', [0])).toBeUndefined();
    await store.verify(DAY, SIGNATURE, ['app\u0000t'], 'b2');
    expect(nameIn(store.stepBytes('app', 't', [0]))).toBe('rebuilt');
  });

  it('keeps no more decompressed replies than its budget, and none with a budget of 0', async () => {
    const stepOf = (id: string) => ({ name: `${id}-${'x'.repeat(100)}` });
    for (const cacheBytes of [300, 0]) {
      const other = openReplyStore(mkdtempSync(join(tmpdir(), 'xray-reply-store-')), { cacheBytes });
      try {
        const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
        await other.storeBatch('app', async () => ids.map((id) => ({ ...entry(id), json: JSON.stringify({ steps: [stepOf(id)] }) })));
        await other.verify(DAY, SIGNATURE, ids.map((id) => `app\u0000${id}`), BUILD);
        const read = ids.map((id) => {
          const found = other.stepBytes('app', id, [0]);
          expect(other.stats.cacheBytes).toBeLessThanOrEqual(cacheBytes);
          return found;
        });
        // Every step's bytes still its own after the reads that followed (none is a view of lmdb's shared buffer).
        expect(read.map((found) => found?.steps.map(String))).toEqual(ids.map((id) => [JSON.stringify(stepOf(id))]));
        expect(other.stats.cacheBytes > 0).toBe(cacheBytes > 0);
      } finally {
        await other.close();
      }
    }
  });

  it('leaves out an execution forgotten while its batch was read', async () => {
    const stored = await store.storeBatch('app', async () => {
      await store.forget('app', 'b');
      await store.forget('other', 'c'); // another app's: changes nothing here
      return [entry('a'), entry('b'), entry('c')];
    });
    expect(stored).toEqual(['app\u0000a', 'app\u0000c']);
    await store.verify(DAY, SIGNATURE, [], BUILD);
    expect(store.get('app', 'a')).toBeDefined();
    expect(store.get('app', 'b')).toBeUndefined();
    expect(store.get('app', 'c')).toBeDefined();
  });

  it('leaves out a forgotten execution whatever its id: UTF-8 and UTF-16 order ids differently', async () => {
    // ClickHouse lists \uFFFD before the emoji (bytes EF… < F0…); JavaScript's < puts the emoji's surrogate first.
    const stored = await store.storeBatch('app', async () => {
      await store.forget('app', '\u{1F600}');
      return [entry('\uFFFD'), entry('\u{1F600}')];
    });
    expect(stored).toEqual(['app\u0000\uFFFD']);
  });

  it('never serves a forgotten reply, even before its removal is committed', async () => {
    await store.storeBatch('app', async () => [entry('a')]);
    await store.verify(DAY, SIGNATURE, ['app\u0000a'], BUILD);
    const removal = store.forget('app', 'a');
    expect(store.get('app', 'a')).toBeUndefined();
    await removal;
    expect(store.get('app', 'a')).toBeUndefined();
    expect(store.stats.entries).toBe(0);
  });

  it('serves only the replies of the build the day is served from', async () => {
    // A build that failed its check stored a reply of an execution deleted before the next build, which stores none of it.
    const failed = await store.storeBatch('app', async () => [entry('deleted-since', 'app', 'b0'), entry('a', 'app', 'b0')]);
    await store.storeBatch('app', async () => [entry('kept', 'app', 'b0')]);
    await store.unverify(DAY, true);
    await store.verify(DAY, SIGNATURE, [], 'b0');
    expect(store.get('app', 'deleted-since')?.build).toBe('b0');
    // Dropped with the day, the failed build's replies go too (no record names them); the others are left.
    await store.unverify(DAY, true, failed);
    expect(store.stats.entries).toBe(1);
    await store.storeBatch('app', async () => [entry('a', 'app', 'b1')]);
    await store.verify(DAY, SIGNATURE, ['app\u0000a'], 'b1');
    expect(store.get('app', 'a')?.build).toBe('b1');
    expect(store.get('app', 'deleted-since')).toBeUndefined();
  });

  it('keeps verified days and their replies across a reopen', async () => {
    await store.storeBatch('app', async () => [entry('a')]);
    await store.verify(DAY, SIGNATURE, ['app\u0000a'], BUILD);
    await store.close();
    store = openReplyStore(folder);
    expect(store.days()).toEqual(new Map([[DAY, { ...SIGNATURE, build: BUILD }]]));
    expect(store.get('app', 'a')?.json).toBe('{"id":"a"}');
  });
});
