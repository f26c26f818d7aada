/**
 * An execution's judgements: the latest score of each name (value rendered
 * by its kind), who gave it and when, its comment, the step it judges, and
 * how many earlier scores of that name it supersedes. Self-contained: it
 * fetches the execution's scores itself (`GET /executions/:id/scores`, not
 * the whole execution) and shows nothing when there are none or the
 * collector has no scores route.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Badge, type BadgeColor, Text, useStyles2 } from '@grafana/ui';
import { CollectorRequestError } from '../../api/client';
import { useAsyncQuery, useCollectorClient } from '../../api/hooks';
import type { LatestScore } from '../../api/types';
import { earlierLabel, formatScoreValue, latestScores } from '../../data/scores';
import { QueryError } from '../common/QueryError';
import { testIds } from '../testIds';

function badgeColor(score: LatestScore): BadgeColor {
  if (score.kind === 'boolean') {
    return score.value === true ? 'green' : 'red';
  }
  return score.kind === 'categorical' ? 'blue' : 'purple';
}

export function ScoresList({ executionId }: { executionId: string }) {
  const styles = useStyles2(getStyles);
  const client = useCollectorClient();
  const query = useAsyncQuery(JSON.stringify(['scores', executionId]), () => client.listScores(executionId));
  const scores = useMemo(() => (query.value ? latestScores(query.value.scores) : []), [query.value]);
  // 404: an execution with no root span yet has no scores either, or the collector predates scores.
  if (query.error && !(query.error instanceof CollectorRequestError && query.error.status === 404)) {
    return <QueryError title="Could not load the scores" error={query.error} />;
  }
  if (scores.length === 0) {
    return null;
  }
  return (
    <section className={styles.section} data-testid={testIds.scores.list} aria-label="Scores">
      <Text element="h5" weight="medium">
        Scores
      </Text>
      <ul className={styles.list}>
        {scores.map((score) => (
          <li key={score.name} className={styles.item} data-testid={testIds.scores.item} data-score-name={score.name}>
            <span className={styles.name}>{score.name}</span>
            <span data-testid={testIds.scores.value} data-kind={score.kind}>
              <Badge color={badgeColor(score)} text={formatScoreValue(score.kind, score.value)} />
            </span>
            {score.stepSpanId && (
              <Text color="secondary" variant="bodySmall">
                on step <code>{score.stepSpanId}</code>
              </Text>
            )}
            <Text color="secondary" variant="bodySmall">
              {score.author ? `by ${score.author} · ` : ''}
              {dateTimeFormat(score.time, { format: 'YYYY-MM-DD HH:mm:ss' })}
            </Text>
            {score.count > 1 && (
              <span data-testid={testIds.scores.earlier}>
                <Text color="secondary" variant="bodySmall">
                  {earlierLabel(score.count)}
                </Text>
              </span>
            )}
            {score.comment && (
              <span className={styles.comment} data-testid={testIds.scores.comment}>
                “{score.comment}”
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
  item: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  name: css({ fontWeight: theme.typography.fontWeightMedium }),
  comment: css({ fontStyle: 'italic', color: theme.colors.text.secondary }),
});
