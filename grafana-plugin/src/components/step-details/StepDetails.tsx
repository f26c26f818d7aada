/**
 * The detail pane of one step: its reasoning first (the "why"), then input
 * and output pretty-printed, the error with its stack, timings, model usage
 * and every attribute. The timeline row (the step's outline) is shown at
 * once; payloads, reasoning and attributes come with the full step, fetched
 * when the step is selected.
 */
import React from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, renderMarkdown } from '@grafana/data';
import { Alert, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import type { Step } from '../../api/types';
import type { TimelineRow } from '../../data/timeline-layout';
import { formatDurationMs } from '../../data/time';
import { formatUsage, type UsageTotals } from '../../data/usage-totals';
import { StatusBadge } from '../common/StatusBadge';
import { testIds } from '../testIds';
import { ValueBlock } from './ValueBlock';

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  const styles = useStyles2(getStyles);
  return (
    <section className={styles.section} data-testid={testId}>
      <h6 className={styles.sectionTitle}>{title}</h6>
      {children}
    </section>
  );
}

/**
 * Reasoning is often Markdown (lists, emphasis, code). Grafana's renderMarkdown sanitizes the
 * HTML it produces (DOMPurify), so recorded text cannot inject script or event handlers.
 */
function Reasoning({ text }: { text: string }) {
  const styles = useStyles2(getStyles);
  const html = React.useMemo(() => renderMarkdown(text), [text]);
  return <div className={`markdown-html ${styles.reasoning}`} dangerouslySetInnerHTML={{ __html: html }} />;
}

interface StepDetailsProps {
  /** The selected row (its outline). */
  row: TimelineRow | undefined;
  /** The selected step with its payloads, once fetched (ignored unless it is the row's). */
  step?: Step;
  /** Why the full step could not be fetched. */
  error?: Error;
  subtreeUsage?: UsageTotals;
}

export function StepDetails({ row, step: fullStep, error: loadError, subtreeUsage }: StepDetailsProps) {
  const styles = useStyles2(getStyles);
  if (!row) {
    return (
      <div className={styles.pane} data-testid={testIds.stepDetails.container}>
        <Text color="secondary" italic>
          Select a step on the timeline to see its reasoning, input and output.
        </Text>
      </div>
    );
  }
  const outline = row.step;
  const step = fullStep?.spanId === outline.spanId ? fullStep : undefined;
  const usage: Array<[string, string]> = [];
  if (step?.model) {
    usage.push(['Model', step.provider ? `${step.provider} / ${step.model}` : step.model]);
  }
  if (outline.inputTokens || outline.outputTokens) {
    usage.push(['Tokens', `${outline.inputTokens} in / ${outline.outputTokens} out`]);
  }
  if (outline.costUsd) {
    usage.push(['Cost', `$${outline.costUsd.toFixed(4)}`]);
  }
  if (row.childCount > 0 && subtreeUsage && formatUsage(subtreeUsage)) {
    usage.push([`With the ${subtreeUsage.modelSteps} model steps under it`, formatUsage(subtreeUsage)]);
  }

  return (
    <div
      className={styles.pane}
      data-testid={testIds.stepDetails.container}
      data-span-id={outline.spanId}
      data-loaded={step ? 'true' : 'false'}
    >
      <Stack direction="column" gap={2}>
        <div>
          <Stack gap={1} alignItems="center" wrap="wrap">
            <h4 className={styles.title}>{outline.name}</h4>
            <StatusBadge status={outline.status} hasError={outline.errorMessage !== null} />
          </Stack>
          <div className={styles.meta}>
            <span>#{outline.sequence}</span>
            <span>starts at +{formatDurationMs(row.offsetMs)}</span>
            <span>takes {formatDurationMs(row.durationMs)}</span>
            <span className={styles.mono}>{outline.spanId}</span>
          </div>
        </div>
        {!step && loadError && (
          <Alert severity="error" title="Could not load the step's payloads">
            {loadError.message}
          </Alert>
        )}
        {!step && !loadError && <LoadingPlaceholder text="Loading the step's reasoning, input and output…" />}
        {step && <StepBody step={step} usage={usage} />}
        {!step && usage.length > 0 && <UsageTable usage={usage} />}
      </Stack>
    </div>
  );
}

function UsageTable({ usage }: { usage: Array<[string, string]> }) {
  const styles = useStyles2(getStyles);
  return (
    <Section title="Model" testId={testIds.stepDetails.usage}>
      <table className={styles.table}>
        <tbody>
          {usage.map(([key, value]) => (
            <tr key={key}>
              <th>{key}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** What only the full step has: error details, reasoning, payloads, attributes. */
function StepBody({ step, usage }: { step: Step; usage: Array<[string, string]> }) {
  const styles = useStyles2(getStyles);
  const attributes = Object.entries(step.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      {step.error && (
        <div data-testid={testIds.stepDetails.error}>
          <Alert severity="error" title={step.error.type || 'Error'}>
            <div className={styles.errorMessage}>{step.error.message || '(no message)'}</div>
            {step.error.stack && <ValueBlock key={step.spanId} raw={step.error.stack} label="Stack trace" />}
          </Alert>
        </div>
      )}

      <Section title="Reasoning" testId={testIds.stepDetails.reasoning}>
        {step.reasoning ? (
          <Reasoning text={step.reasoning} />
        ) : (
          <Text color="secondary" italic>
            No reasoning recorded.
          </Text>
        )}
      </Section>

      <Section title="Input" testId={testIds.stepDetails.input}>
        <ValueBlock key={step.spanId} raw={step.input} label="Input" />
      </Section>

      <Section title="Output" testId={testIds.stepDetails.output}>
        <ValueBlock key={step.spanId} raw={step.output} label="Output" />
      </Section>

      {usage.length > 0 && <UsageTable usage={usage} />}

      <Section title={`Attributes (${attributes.length})`} testId={testIds.stepDetails.attributes}>
        {attributes.length === 0 ? (
          <Text color="secondary" italic>
            No other attributes.
          </Text>
        ) : (
          <table className={styles.table}>
            <tbody>
              {attributes.map(([key, value]) => (
                <tr key={key}>
                  <th className={styles.mono}>{key}</th>
                  <td>
                    <ValueBlock key={step.spanId} raw={value} label={key} compact />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  pane: css({
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
    minWidth: 0,
    overflowY: 'auto',
  }),
  title: css({ margin: 0, wordBreak: 'break-word' }),
  meta: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(0.5),
  }),
  section: css({ minWidth: 0 }),
  sectionTitle: css({
    color: theme.colors.text.secondary,
    textTransform: 'uppercase',
    fontSize: theme.typography.bodySmall.fontSize,
    letterSpacing: '0.04em',
    marginBottom: theme.spacing(0.5),
  }),
  reasoning: css({
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    padding: theme.spacing(1, 1.5),
    borderLeft: `3px solid ${theme.colors.primary.border}`,
    background: theme.colors.background.secondary,
  }),
  errorMessage: css({ whiteSpace: 'pre-wrap', wordBreak: 'break-word', marginBottom: theme.spacing(1) }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    th: {
      textAlign: 'left',
      verticalAlign: 'top',
      fontWeight: theme.typography.fontWeightMedium,
      padding: theme.spacing(0.5, 1, 0.5, 0),
      width: '35%',
      wordBreak: 'break-all',
      color: theme.colors.text.secondary,
    },
    td: { padding: theme.spacing(0.5, 0), verticalAlign: 'top', minWidth: 0, wordBreak: 'break-word' },
    'tr + tr': { borderTop: `1px solid ${theme.colors.border.weak}` },
  }),
  mono: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.bodySmall.fontSize }),
});
