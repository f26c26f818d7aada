/**
 * The filter inputs the pages share: pipeline and environment (options from
 * the collector, free text allowed), status, and the reasoning search box.
 */
import React, { useEffect, useState } from 'react';
import { Combobox, type ComboboxOption, Icon, InlineField, Input, RadioButtonGroup } from '@grafana/ui';
import { useEnvironments, usePipelines } from '../../api/hooks';
import type { TimeWindow } from '../../api/types';
import { testIds } from '../testIds';

interface PickerProps {
  window: TimeWindow;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
}

function toOptions(values: string[] | undefined, current: string | undefined): Array<ComboboxOption<string>> {
  const all = new Set(values ?? []);
  if (current) {
    all.add(current);
  }
  return [...all].sort().map((value) => ({ label: value, value }));
}

export function PipelinePicker({ window, value, onChange }: PickerProps) {
  const pipelines = usePipelines(window);
  return (
    <InlineField label="Pipeline">
      <Combobox
        data-testid={testIds.controls.pipeline}
        width={28}
        placeholder="All pipelines"
        options={toOptions(pipelines.value, value)}
        value={value ?? null}
        loading={pipelines.loading}
        createCustomValue
        isClearable
        onChange={(option) => onChange(option?.value || undefined)}
      />
    </InlineField>
  );
}

export function EnvironmentPicker({ window, value, onChange }: PickerProps) {
  const environments = useEnvironments(window);
  return (
    <InlineField label="Environment">
      <Combobox
        data-testid={testIds.controls.environment}
        width={22}
        placeholder="All environments"
        options={toOptions(environments.value, value)}
        value={value ?? null}
        loading={environments.loading}
        createCustomValue
        isClearable
        onChange={(option) => onChange(option?.value || undefined)}
      />
    </InlineField>
  );
}

const STATUS_OPTIONS = [
  { label: 'All', value: '' },
  { label: 'Completed', value: 'completed' },
  { label: 'Failed', value: 'failed' },
];

export function StatusPicker({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (value: string | undefined) => void;
}) {
  return (
    <InlineField label="Status">
      <div data-testid={testIds.controls.status}>
        <RadioButtonGroup
          options={STATUS_OPTIONS}
          value={value ?? ''}
          onChange={(next) => onChange(next || undefined)}
        />
      </div>
    </InlineField>
  );
}

/** Commits after a pause in typing, or at once on Enter. */
export function ReasoningSearch({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (value: string | undefined) => void;
}) {
  const [text, setText] = useState(value ?? '');
  // Follow the URL when it changes from elsewhere (back button, a link).
  const [shownValue, setShownValue] = useState(value);
  if (value !== shownValue) {
    setShownValue(value);
    setText(value ?? '');
  }
  useEffect(() => {
    if (text.trim() === (value ?? '')) {
      return;
    }
    const timer = setTimeout(() => onChange(text.trim() || undefined), 400);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  return (
    <InlineField label="Reasoning" grow tooltip="Executions with a step whose reasoning contains all these words">
      <Input
        data-testid={testIds.controls.search}
        prefix={<Icon name="search" />}
        placeholder="Search step reasoning…"
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            onChange(text.trim() || undefined);
          }
        }}
      />
    </InlineField>
  );
}
