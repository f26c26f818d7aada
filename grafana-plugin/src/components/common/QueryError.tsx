/** A failed query shown in place, where its data would be. */
import React from 'react';
import { Alert } from '@grafana/ui';

export function QueryError({ title, error }: { title: string; error: Error | undefined }) {
  if (!error) {
    return null;
  }
  return (
    <Alert severity="error" title={title}>
      {error.message}
    </Alert>
  );
}
