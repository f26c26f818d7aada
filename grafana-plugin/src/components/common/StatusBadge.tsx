/** A status as a coloured badge (red failed, green completed, ...). */
import React from 'react';
import { Badge } from '@grafana/ui';
import { statusBadgeColor, statusKind } from '../../data/status';

interface Props {
  status: string;
  hasError?: boolean;
}

export function StatusBadge({ status, hasError = false }: Props) {
  const kind = statusKind(status, hasError);
  const icon = kind === 'failed' ? 'exclamation-triangle' : kind === 'completed' ? 'check' : undefined;
  return <Badge text={status || 'unknown'} color={statusBadgeColor(kind)} icon={icon} />;
}
