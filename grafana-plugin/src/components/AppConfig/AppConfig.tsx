/**
 * The plugin's configuration page: the collector's URL (jsonData) and an
 * API key (secureJsonData: encrypted by Grafana and never sent back to the
 * browser; the page only learns that one is configured). Grafana's plugin
 * proxy reads both to reach the collector (plugin.json `routes`).
 */
import React, { type FormEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, useStyles2 } from '@grafana/ui';
import { createCollectorClient } from '../../api/client';
import { testIds } from '../testIds';

export type AppPluginSettings = {
  collectorUrl?: string;
};

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppPluginSettings>> {}

type Check =
  { state: 'idle' } | { state: 'running' } | { state: 'ok'; message: string } | { state: 'error'; message: string };

const API_KEY_PATTERN = /^xr_[A-Za-z0-9_-]{16,128}$/;

/** Problems with the form, by field (empty when it can be saved). */
export function validateConfig(input: { collectorUrl: string; apiKey: string; isApiKeySet: boolean }) {
  const problems: { collectorUrl?: string; apiKey?: string } = {};
  if (!/^https?:\/\/[^\s/]+/.test(input.collectorUrl)) {
    problems.collectorUrl = 'Enter the collector’s base URL, e.g. http://xray-collector:4318';
  }
  if (!input.isApiKeySet && !API_KEY_PATTERN.test(input.apiKey)) {
    problems.apiKey = 'Enter an X-Ray API key: "xr_" followed by at least 16 letters, digits, "_" or "-"';
  }
  return problems;
}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const { pinned, jsonData, secureJsonFields } = plugin.meta;
  const [collectorUrl, setCollectorUrl] = useState(jsonData?.collectorUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [isApiKeySet, setIsApiKeySet] = useState(Boolean(secureJsonFields?.apiKey));
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [check, setCheck] = useState<Check>({ state: 'idle' });

  const problems = validateConfig({ collectorUrl: collectorUrl.trim(), apiKey: apiKey.trim(), isApiKeySet });
  const canSave = Object.keys(problems).length === 0;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!canSave) {
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      await updatePlugin(plugin.meta.id, {
        enabled: true,
        pinned: pinned ?? true,
        jsonData: { collectorUrl: collectorUrl.trim().replace(/\/+$/, '') },
        // Left out when unchanged, so the stored key is kept.
        secureJsonData: isApiKeySet ? undefined : { apiKey: apiKey.trim() },
      });
      // Grafana hands plugin settings to the app at load time only.
      window.location.reload();
    } catch (error) {
      setSaveError(error instanceof Error ? error.message : 'Saving the settings failed');
      setSaving(false);
    }
  };

  const onTest = async () => {
    setCheck({ state: 'running' });
    try {
      const now = Date.now();
      const { pipelines } = await createCollectorClient().pipelines({
        fromMillis: now - 30 * 86_400_000,
        toMillis: now,
      });
      setCheck({
        state: 'ok',
        message: `Connected. ${pipelines.length} pipeline${pipelines.length === 1 ? '' : 's'} ran in the last 30 days.`,
      });
    } catch (error) {
      setCheck({ state: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.appConfig.container} className={styles.form} noValidate>
      <FieldSet label="X-Ray collector">
        <Field
          label="Collector URL"
          description="Base URL of the X-Ray collector as Grafana's server reaches it (the query API is under /api/v1)"
          invalid={touched && Boolean(problems.collectorUrl)}
          error={problems.collectorUrl}
        >
          <Input
            width={60}
            id="config-collector-url"
            data-testid={testIds.appConfig.collectorUrl}
            value={collectorUrl}
            placeholder="http://xray-collector:4318"
            onChange={(event) => setCollectorUrl(event.currentTarget.value)}
          />
        </Field>
        <Field
          label="API key"
          description="An X-Ray app API key (xr_...). Stored encrypted by Grafana and added to requests by its proxy; it is never sent back to the browser."
          invalid={touched && Boolean(problems.apiKey)}
          error={problems.apiKey}
        >
          <SecretInput
            width={60}
            id="config-api-key"
            data-testid={testIds.appConfig.apiKey}
            value={apiKey}
            isConfigured={isApiKeySet}
            placeholder="xr_..."
            onChange={(event) => setApiKey(event.currentTarget.value)}
            onReset={() => {
              setApiKey('');
              setIsApiKeySet(false);
            }}
          />
        </Field>
        <Stack gap={1}>
          <Button type="submit" data-testid={testIds.appConfig.submit} disabled={saving}>
            Save settings
          </Button>
          <Button
            type="button"
            variant="secondary"
            onClick={onTest}
            disabled={check.state === 'running' || !jsonData?.collectorUrl}
            tooltip={jsonData?.collectorUrl ? undefined : 'Save the settings first'}
            data-testid={testIds.appConfig.testConnection}
          >
            Test connection
          </Button>
        </Stack>
      </FieldSet>
      <div data-testid={testIds.appConfig.status}>
        {saveError && (
          <Alert severity="error" title="Could not save the settings">
            {saveError}
          </Alert>
        )}
        {check.state === 'ok' && <Alert severity="success" title={check.message} />}
        {check.state === 'error' && (
          <Alert severity="error" title="The collector could not be reached through Grafana">
            {check.message}
          </Alert>
        )}
      </div>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ maxWidth: 760, display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
});

async function updatePlugin(pluginId: string, data: Partial<PluginMeta<AppPluginSettings>>) {
  const response = getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data });
  return lastValueFrom(response);
}
