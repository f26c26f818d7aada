/**
 * The exporter used when the caller does not inject one: OTLP/HTTP (JSON) to
 * the X-Ray collector, authenticated with the API key.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface DefaultExporterSettings {
  readonly tracesUrl: string;
  readonly apiKey: string;
  readonly headers: Record<string, string>;
  readonly timeoutMillis: number;
}

/** An OTLP/HTTP exporter for `settings.tracesUrl`; caller headers may override `Authorization`. */
export function createDefaultExporter(settings: DefaultExporterSettings): SpanExporter {
  return new OTLPTraceExporter({
    url: settings.tracesUrl,
    headers: { Authorization: `Bearer ${settings.apiKey}`, ...settings.headers },
    timeoutMillis: settings.timeoutMillis,
  });
}
