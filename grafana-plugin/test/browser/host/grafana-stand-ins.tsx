/**
 * Stand-ins for the parts of Grafana's runtime that live in Grafana's core,
 * not in the npm packages: the backend service (fetch to the host server,
 * which proxies like Grafana's plugin proxy), the page chrome, and the panel
 * renderer. Only these are replaced; @grafana/ui, @grafana/data and the rest
 * of @grafana/runtime are the real packages.
 */
import React from 'react';
import { css } from '@emotion/css';
import {
  type DataFrame,
  type Field,
  FieldType,
  getDisplayProcessor,
  type GrafanaTheme2,
  type PanelData,
  urlUtil,
} from '@grafana/data';
import type {
  BackendSrv,
  BackendSrvRequest,
  FetchResponse,
  PanelRendererProps,
  PluginPageProps,
} from '@grafana/runtime';
import { TimeSeries, TooltipPlugin2, useStyles2, useTheme2 } from '@grafana/ui';
import { Observable } from 'rxjs';

/** Grafana's backend service, reduced to `fetch` (all the plugin uses) over window.fetch. */
export function createBackendSrv(): BackendSrv {
  const fetchObservable = <T,>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable((subscriber) => {
      const controller = new AbortController();
      // As Grafana's parseUrlFromOptions: undefined and empty values dropped, the rest serialized by
      // urlUtil.serializeParams (an array repeats its key).
      const params = Object.fromEntries(
        Object.entries(options.params ?? {}).filter(
          ([, value]) =>
            value !== undefined && !((Array.isArray(value) || typeof value === 'string') && value.length === 0)
        )
      );
      const search = urlUtil.serializeParams(params);
      const url = new URL(`${options.url.replace(/^\/?/, '/')}${search ? `?${search}` : ''}`, window.location.origin);
      const hasBody = options.data !== undefined;
      window
        .fetch(url.toString(), {
          method: options.method ?? 'GET',
          headers: hasBody ? { 'content-type': 'application/json' } : undefined,
          body: hasBody ? JSON.stringify(options.data) : undefined,
          signal: controller.signal,
        })
        .then(async (response) => {
          const text = await response.text();
          let data: unknown = text;
          try {
            data = text ? JSON.parse(text) : undefined;
          } catch {
            // keep the text
          }
          const fetchResponse = {
            data: data as T,
            status: response.status,
            statusText: response.statusText,
            ok: response.ok,
            headers: response.headers,
            url: url.toString(),
            type: response.type,
            redirected: response.redirected,
            config: options,
          };
          if (!response.ok) {
            // Grafana's fetch errors carry the status and parsed body like this (FetchError).
            subscriber.error({ status: response.status, statusText: response.statusText, data, config: options });
            return;
          }
          subscriber.next(fetchResponse);
          subscriber.complete();
        })
        .catch((error) => subscriber.error({ status: 0, statusText: String(error), data: {}, config: options }));
      return () => controller.abort();
    });

  const unsupported = () => Promise.reject(new Error('not provided by the test host'));
  return {
    fetch: fetchObservable,
    get: unsupported,
    post: unsupported,
    put: unsupported,
    patch: unsupported,
    delete: unsupported,
    request: unsupported,
    datasourceRequest: unsupported,
    resolveCancelerIfExists: () => undefined,
  } as unknown as BackendSrv;
}

/** Grafana's page chrome, reduced to a title (and breadcrumb) above the content. */
export function HostPluginPage({ pageNav, actions, children, subTitle }: PluginPageProps) {
  const styles = useStyles2(getStyles);
  const path = window.location.pathname;
  const title = pageNav?.text ?? (path.includes('/executions') ? 'Executions' : 'Overview');
  return (
    <div className={styles.page}>
      <div className={styles.header}>
        <div>
          {pageNav?.parentItem && (
            <div className={styles.breadcrumb}>
              X-Ray Decisions › {pageNav.parentItem.text} › {pageNav.text}
            </div>
          )}
          <h1 className={styles.title}>{title}</h1>
          {subTitle && <div className={styles.subTitle}>{subTitle}</div>}
        </div>
        {actions}
      </div>
      {children}
    </div>
  );
}

/** Exposes what a panel was given, for the tests to compare with what was seeded. */
function PanelDataProbe({ pluginId, data }: { pluginId: string; data?: PanelData }) {
  const series = (data?.series ?? []).map((frame) => ({
    name: frame.name,
    meta: frame.meta,
    length: frame.length,
    fields: frame.fields.map((field) => ({
      name: field.name,
      type: field.type,
      // Trace frames can hold 10,000 rows: keep the probe small.
      values: frame.length > 2000 ? [] : field.values,
      displayName: field.config?.displayName,
      decimals: field.config?.decimals,
      links: field.config?.links,
    })),
  }));
  return (
    <script type="application/json" data-testid="host-panel-data" data-plugin-id={pluginId}>
      {JSON.stringify(series)}
    </script>
  );
}

function withFieldConfig(frames: DataFrame[], props: PanelRendererProps, theme: GrafanaTheme2): DataFrame[] {
  // A small part of what Grafana's applyFieldOverrides does: defaults under each field's
  // own config, a series index for palette colours, a display processor.
  const defaults = props.fieldConfig?.defaults ?? {};
  let seriesIndex = 0;
  return frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((field): Field => {
      const config = {
        ...defaults,
        ...field.config,
        custom: { ...(defaults.custom ?? {}), ...(field.config.custom ?? {}) },
      };
      const state = field.type === FieldType.number ? { ...field.state, seriesIndex: seriesIndex++ } : field.state;
      // Copies of the values: the renderer aligns frames in place, the probe must see what the plugin sent.
      const withConfig = { ...field, values: [...field.values], config, state };
      return { ...withConfig, display: getDisplayProcessor({ field: withConfig, theme }) };
    }),
  }));
}

/** TooltipHoverMode.xAll (a const enum in @grafana/ui's types, so not importable as a value). */
const HOVER_ALL = 1;

/**
 * Draws a time series with @grafana/ui's TimeSeries (the core panel's own renderer) and, as
 * Grafana's time series panel does, @grafana/ui's TooltipPlugin2: dragging across the plot zooms
 * by calling the renderer's onChangeTimeRange (nothing else: no tooltip content is drawn here).
 */
function HostTimeSeries(props: PanelRendererProps) {
  const theme = useTheme2();
  const frames = withFieldConfig(props.data?.series ?? [], props, theme);
  const hasData = frames.some((frame) => frame.length > 0 && frame.fields.some((f) => f.type === FieldType.number));
  if (!hasData || !props.data) {
    return <div style={{ padding: 8, color: theme.colors.text.secondary }}>No data</div>;
  }
  const legend = {
    showLegend: true,
    displayMode: 'list',
    placement: 'bottom',
    calcs: [],
  } as React.ComponentProps<typeof TimeSeries>['legend'];
  return (
    <TimeSeries
      frames={frames}
      width={props.width}
      height={props.height}
      timeRange={props.data.timeRange}
      timeZone={props.timeZone ?? 'browser'}
      legend={legend}
      options={props.options}
    >
      {(config) => (
        <TooltipPlugin2
          config={config}
          hoverMode={HOVER_ALL}
          queryZoom={props.onChangeTimeRange}
          clientZoom={true}
          render={() => null}
        />
      )}
    </TimeSeries>
  );
}

/**
 * Not Grafana's trace view (which ships only inside Grafana): a plain list
 * of the frame's spans, so a person can see the frame the plugin built.
 */
function HostTraceList(props: PanelRendererProps) {
  const styles = useStyles2(getStyles);
  const frame = props.data?.series[0];
  if (!frame) {
    return null;
  }
  const column = (name: string) => frame.fields.find((field) => field.name === name)?.values ?? [];
  const names = column('operationName');
  const status = column('statusCode');
  const durations = column('duration');
  const shown = Math.min(frame.length, 200);
  return (
    <div className={styles.trace}>
      <div className={styles.traceNote}>
        Test host stand-in for Grafana&apos;s trace panel (pluginId “{props.pluginId}”, {frame.length} spans,
        preferredVisualisationType “{String(frame.meta?.preferredVisualisationType)}”).
      </div>
      {Array.from({ length: shown }, (_, i) => (
        <div key={i} className={status[i] === 2 ? styles.traceError : undefined} data-testid="host-trace-span">
          {String(names[i])} — {Number(durations[i]).toFixed(2)} ms{status[i] === 2 ? ' — error' : ''}
        </div>
      ))}
    </div>
  );
}

export function HostPanelRenderer(props: PanelRendererProps) {
  return (
    <div data-testid="host-panel" data-plugin-id={props.pluginId}>
      <PanelDataProbe pluginId={props.pluginId} data={props.data} />
      {props.pluginId === 'timeseries' ? (
        <HostTimeSeries {...props} />
      ) : props.pluginId === 'traces' ? (
        <HostTraceList {...props} />
      ) : (
        <div>Panel {props.pluginId} is not available in the test host</div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2, 3), display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  header: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-end' }),
  breadcrumb: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  title: css({ margin: 0, fontSize: theme.typography.h2.fontSize }),
  subTitle: css({ color: theme.colors.text.secondary }),
  trace: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.bodySmall.fontSize }),
  traceNote: css({ color: theme.colors.text.secondary, marginBottom: theme.spacing(1) }),
  traceError: css({ color: theme.colors.error.text }),
});
