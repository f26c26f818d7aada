/**
 * The business-key filter: type `applicantId=A-1042` and press Enter to add
 * it (several allowed, all must hold); each filter shows as a pill that
 * removes it. Score filters from the Overview's links (`score.correct=false`)
 * show as pills too. What was typed is checked as the collector will check it.
 */
import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { FilterPill, Icon, InlineField, Input, useStyles2 } from '@grafana/ui';
import { addBusinessKey, parseBusinessKey } from '../../data/business-keys';
import { testIds } from '../testIds';

export interface BusinessKeyFilterProps {
  keys: string[];
  onChange: (keys: string[]) => void;
  scores: Record<string, string>;
  onRemoveScore: (name: string) => void;
}

export function BusinessKeyFilter({ keys, onChange, scores, onRemoveScore }: BusinessKeyFilterProps) {
  const styles = useStyles2(getStyles);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();

  const commit = () => {
    if (text.trim() === '') {
      return;
    }
    const parsed = parseBusinessKey(text);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    const next = addBusinessKey(keys, parsed.pair);
    if (!Array.isArray(next)) {
      setError(next.message);
      return;
    }
    setError(undefined);
    setText('');
    onChange(next);
  };

  return (
    <div className={styles.row}>
      <InlineField
        label="Key"
        tooltip="An attribute or a top-level metadata key of the execution, e.g. applicantId=A-1042, user.id=u-7. Press Enter to add; several must all hold."
        invalid={error !== undefined}
        error={error}
      >
        <Input
          data-testid={testIds.businessKeys.input}
          prefix={<Icon name="filter" />}
          width={36}
          placeholder="applicantId=A-1042"
          value={text}
          invalid={error !== undefined}
          onChange={(event) => {
            setText(event.currentTarget.value);
            setError(undefined);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              commit();
            }
          }}
          onBlur={() => text.trim() !== '' && commit()}
        />
      </InlineField>
      {error && (
        <span className={styles.error} data-testid={testIds.businessKeys.error} role="alert">
          {error}
        </span>
      )}
      {keys.map((pair) => (
        <span key={pair} data-testid={testIds.businessKeys.pill} data-key={pair}>
          <FilterPill label={`${pair} ✕`} selected onClick={() => onChange(keys.filter((one) => one !== pair))} />
        </span>
      ))}
      {Object.entries(scores).map(([name, value]) => (
        <span key={`score.${name}`} data-testid={testIds.businessKeys.pill} data-key={`score.${name}=${value}`}>
          <FilterPill label={`score.${name}=${value} ✕`} selected onClick={() => onRemoveScore(name)} />
        </span>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize }),
});
