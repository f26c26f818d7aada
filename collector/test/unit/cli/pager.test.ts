import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pagerCommand, runPager, shouldPage } from '../../../src/cli/pager.js';

describe('cli/pager', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xray-pager-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('pagerCommand', () => {
    it('uses XRAY_PAGER, else PAGER, else less; cat or empty turns paging off', () => {
      expect(pagerCommand({})).toBe('less');
      expect(pagerCommand({ PAGER: 'more' })).toBe('more');
      expect(pagerCommand({ PAGER: 'more', XRAY_PAGER: 'less -S' })).toBe('less -S');
      expect(pagerCommand({ PAGER: 'cat' })).toBeUndefined();
      expect(pagerCommand({ PAGER: '' })).toBeUndefined();
    });
  });

  describe('shouldPage', () => {
    const tall = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    it('pages only on a terminal, when the text is taller than it, and not with --no-pager', () => {
      expect(shouldPage(tall, { isTTY: true, rows: 24, noPager: false, env: {} })).toBe(true);
      expect(shouldPage(tall, { isTTY: true, rows: 40, noPager: false, env: {} })).toBe(false);
      expect(shouldPage(tall, { isTTY: false, rows: 24, noPager: false, env: {} })).toBe(false);
      expect(shouldPage(tall, { isTTY: true, rows: 24, noPager: true, env: {} })).toBe(false);
      expect(shouldPage(tall, { isTTY: true, rows: 24, noPager: false, env: { PAGER: 'cat' } })).toBe(false);
      expect(shouldPage(tall, { isTTY: true, rows: undefined, noPager: false, env: {} })).toBe(false);
    });
  });

  describe('runPager', () => {
    it('pipes the text into the pager command, run by the shell with its flags, LESS=FRX by default', async () => {
      const out = join(dir, 'paged.txt');
      const ok = await runPager(`cat > ${out}; printf "%s" "$LESS" > ${out}.less`, 'hello\nworld\n', { PATH: process.env.PATH });
      expect(ok).toBe(true);
      expect(readFileSync(out, 'utf8')).toBe('hello\nworld\n');
      expect(readFileSync(`${out}.less`, 'utf8')).toBe('FRX');
    });

    it('resolves false when the pager does not exist, so the caller prints the text', async () => {
      expect(await runPager('no-such-pager-xray', 'text', { PATH: process.env.PATH })).toBe(false);
    });
  });
});
