/**
 * Reading one series out of a Prometheus text exposition (`/metrics`, or a
 * registry's `metrics()`), for tests.
 */

/**
 * The value of `series` (a metric name, with its labels exactly as printed:
 * `xray_engine_merges`, `xray_rollup_passes_total{outcome="ok"}`), or
 * `undefined` when the text has no such series.
 *
 * @example
 * metricSample('xray_engine_merges 2\n', 'xray_engine_merges'); // 2
 */
export function metricSample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
