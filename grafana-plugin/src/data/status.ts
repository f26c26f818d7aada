/**
 * What a status means and which theme colour shows it. Statuses are free
 * text (the SDK writes `completed` and `failed`; users may write others), so
 * anything unknown gets a neutral colour rather than an error.
 */
import type { GrafanaTheme2 } from '@grafana/data';
import type { Step } from '../api/types';

export type StatusKind = 'failed' | 'completed' | 'skipped' | 'running' | 'other';

/**
 * Classifies a status string; `hasError` wins, since a step with a recorded
 * error failed whatever its status says.
 */
export function statusKind(status: string, hasError = false): StatusKind {
  const value = status.trim().toLowerCase();
  if (hasError || value === 'failed' || value === 'error' || value === 'errored') {
    return 'failed';
  }
  if (value === 'completed' || value === 'ok' || value === 'success' || value === 'succeeded') {
    return 'completed';
  }
  if (value === 'skipped' || value === 'cancelled' || value === 'canceled') {
    return 'skipped';
  }
  if (value === 'running' || value === 'started' || value === 'pending') {
    return 'running';
  }
  return 'other';
}

/** True when the step failed: its status says so or it carries an error. */
export function isFailedStep(step: Pick<Step, 'status' | 'error'>): boolean {
  return statusKind(step.status, step.error !== null) === 'failed';
}

/** The theme colour of a status kind (works in light and dark themes). */
export function statusColor(theme: GrafanaTheme2, kind: StatusKind): string {
  switch (kind) {
    case 'failed':
      return theme.colors.error.main;
    case 'completed':
      return theme.colors.success.main;
    case 'skipped':
      return theme.colors.warning.main;
    case 'running':
      return theme.colors.primary.main;
    default:
      return theme.colors.secondary.main;
  }
}

/** The `Badge` colour of a status kind. */
export function statusBadgeColor(kind: StatusKind): 'red' | 'green' | 'orange' | 'blue' | 'darkgrey' {
  switch (kind) {
    case 'failed':
      return 'red';
    case 'completed':
      return 'green';
    case 'skipped':
      return 'orange';
    case 'running':
      return 'blue';
    default:
      return 'darkgrey';
  }
}
