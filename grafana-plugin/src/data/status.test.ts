import { createTheme } from '@grafana/data';
import { isFailedStep, statusColor, statusKind } from './status';

describe('status', () => {
  it('classifies statuses, an error always meaning failed', () => {
    expect(statusKind('completed')).toBe('completed');
    expect(statusKind('FAILED')).toBe('failed');
    expect(statusKind('completed', true)).toBe('failed');
    expect(statusKind('skipped')).toBe('skipped');
    expect(statusKind('custom')).toBe('other');
    expect(isFailedStep({ status: 'completed', error: { type: '', message: 'x', stack: '' } })).toBe(true);
  });

  it('colours statuses from the theme', () => {
    const dark = createTheme({ colors: { mode: 'dark' } });
    expect(statusColor(dark, 'failed')).toBe(dark.colors.error.main);
    expect(statusColor(dark, 'completed')).toBe(dark.colors.success.main);
  });
});
