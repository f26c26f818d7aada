import { describe, expect, it } from 'vitest';
import {
  expectPositionals,
  findCommandIndex,
  parseCommandLine,
  parseLimit,
  parseSince,
  parseTimeRange,
} from '../../../src/cli/args.js';
import { UsageError } from '../../../src/cli/errors.js';

const commands = {
  executions: { status: { type: 'string' }, limit: { type: 'string' } },
  show: { verbose: { type: 'boolean' } },
} as const;

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('args', () => {
  describe('parseCommandLine', () => {
    it('finds the command and parses its flags and the global ones', () => {
      expect(parseCommandLine(['executions', '--status', 'failed', '--json'], commands)).toEqual({
        command: 'executions',
        positionals: [],
        values: { status: 'failed', json: true },
      });
    });

    it('accepts global options before the command, with their values', () => {
      const line = parseCommandLine(['--url', 'http://h:1', '--json', 'show', 'abc', '--verbose'], commands);
      expect(line).toEqual({ command: 'show', positionals: ['abc'], values: { url: 'http://h:1', json: true, verbose: true } });
      expect(parseCommandLine(['--url=http://h:1', 'show', 'x'], commands).command).toBe('show');
    });

    it('has no command for `xray --help` or nothing at all', () => {
      expect(parseCommandLine(['--help'], commands)).toEqual({ command: undefined, positionals: [], values: { help: true } });
      expect(parseCommandLine([], commands).command).toBeUndefined();
      expect(parseCommandLine(['-h'], commands).values.help).toBe(true);
    });

    it('rejects a flag the command does not have, naming it and the command', () => {
      const error = usageError(() => parseCommandLine(['show', 'abc', '--status', 'x'], commands));
      expect(error.message).toBe('unknown flag --status');
      expect(error.command).toBe('show');
    });

    it('rejects a flag without its value and a value given to a switch', () => {
      expect(usageError(() => parseCommandLine(['executions', '--limit'], commands)).message).toBe('--limit needs a value');
      expect(usageError(() => parseCommandLine(['show', 'x', '--verbose=yes'], commands)).message).toMatch(/--verbose/);
    });

    it('leaves an unknown command to the caller instead of failing on its flags', () => {
      expect(parseCommandLine(['frobnicate', '--hard'], commands).command).toBe('frobnicate');
    });
  });

  describe('findCommandIndex', () => {
    it('skips options and the values of options that take one', () => {
      const takesValue = (name: string) => name === 'url';
      expect(findCommandIndex(['--url', 'x', 'show'], takesValue)).toBe(2);
      expect(findCommandIndex(['--json', 'show'], takesValue)).toBe(1);
      expect(findCommandIndex(['--json'], takesValue)).toBe(-1);
    });
  });

  describe('parseLimit', () => {
    it('accepts 1 to 500 and rejects anything else', () => {
      expect(parseLimit('20', 'executions')).toBe(20);
      expect(parseLimit(undefined, 'executions')).toBeUndefined();
      for (const bad of ['0', '501', '-1', '1.5', 'ten']) {
        expect(usageError(() => parseLimit(bad, 'executions')).message).toMatch(/^--limit must be a whole number from 1 to 500/);
      }
    });
  });

  describe('parseSince', () => {
    it('reads s, m, h, d and w', () => {
      expect(parseSince('90s', 'x')).toBe(90_000);
      expect(parseSince('30m', 'x')).toBe(1_800_000);
      expect(parseSince('1h', 'x')).toBe(3_600_000);
      expect(parseSince('2d', 'x')).toBe(172_800_000);
      expect(parseSince('1w', 'x')).toBe(604_800_000);
    });

    it('rejects durations without a unit, zero, and others', () => {
      for (const bad of ['1', '0h', '1y', 'h', '-1h']) expect(() => parseSince(bad, 'x')).toThrow(UsageError);
    });
  });

  describe('parseTimeRange', () => {
    const now = Date.UTC(2024, 4, 1, 12);

    it('turns --since into `from`', () => {
      expect(parseTimeRange({ since: '1h' }, 'x', now)).toEqual({ from: String(now - 3_600_000) });
    });

    it('passes --from/--to as unix milliseconds', () => {
      expect(parseTimeRange({ from: '2024-05-01T00:00:00Z', to: '1714564800000' }, 'x', now)).toEqual({
        from: String(Date.UTC(2024, 4, 1)),
        to: '1714564800000',
      });
    });

    it('is empty without flags so the API default applies', () => {
      expect(parseTimeRange({}, 'x', now)).toEqual({});
    });

    it('rejects --since with --from, a bad time, and a window that ends before it starts', () => {
      expect(usageError(() => parseTimeRange({ since: '1h', from: '2024-01-01' }, 'x', now)).message).toBe('use either --since or --from/--to, not both');
      expect(usageError(() => parseTimeRange({ from: 'yesterday' }, 'x', now)).message).toMatch(/^--from must be an ISO 8601 time/);
      expect(usageError(() => parseTimeRange({ from: '2024-05-02', to: '2024-05-01' }, 'x', now)).message).toBe('--from must be before --to, got "2024-05-02" and "2024-05-01"');
    });
  });

  describe('expectPositionals', () => {
    it('names the missing argument and the unexpected one', () => {
      expect(expectPositionals(['a'], ['executionId'], 'show')).toEqual(['a']);
      expect(usageError(() => expectPositionals([], ['executionId'], 'show')).message).toBe('missing <executionId>');
      expect(usageError(() => expectPositionals(['a', 'b'], ['executionId'], 'show')).message).toBe('unexpected argument "b"');
    });
  });
});
