import { describe, expect, it } from 'vitest';
import { resolveOptions, XRAY_DEFAULTS } from '../../src/options.js';
import { CONNECTION_DEFAULTS } from '../../src/connection-options.js';
import { RecordingExporter } from '../support/exporters.js';
import { platformWithEnv } from '../support/platform.js';

const none = platformWithEnv({});

describe('options', () => {
  describe('resolveOptions', () => {
    it('applies defaults', () => {
      const exporter = new RecordingExporter();
      expect(resolveOptions({ exporter }, none)).toMatchObject({
        exporter,
        pipeline: XRAY_DEFAULTS.pipeline,
        resourceAttributes: { 'service.name': 'unknown_service' },
        timeoutMillis: CONNECTION_DEFAULTS.timeoutMillis,
        maxRequestBytes: 4 * 1024 * 1024,
        maxPendingExecutions: XRAY_DEFAULTS.maxPendingExecutions,
        maxStepsPerExecution: 10_000,
        maxAttributeBytes: XRAY_DEFAULTS.maxAttributeBytes,
        maxConcurrentExports: 1,
      });
    });

    it('names the key, the value and what was expected', () => {
      expect(() => resolveOptions({ exporter: new RecordingExporter(), maxStepsPerExecution: -1 }, none)).toThrow(
        '@xray/sdk: invalid option "maxStepsPerExecution": got -1, expected an integer >= 1',
      );
      expect(() => resolveOptions({ apiKey: 'k', endpoint: 'ftp://x' }, none)).toThrow(/"endpoint": got "ftp:\/\/x", expected an http\(s\) URL/);
      expect(() => resolveOptions({ apiKey: 'k', headers: { a: 1 as never } }, none)).toThrow(/"headers.a": got 1, expected a string/);
      expect(() => resolveOptions({ exporter: {} as never }, none)).toThrow(/"exporter": got an object, expected a SpanExporter/);
      expect(() => resolveOptions({ apiKey: 'k', compression: 'br' as never }, none)).toThrow(/"compression": got "br", expected "gzip" or "none"/);
      expect(() => resolveOptions({ apiKey: 'k', onError: 'log' as never }, none)).toThrow(/"onError": got "log", expected a function/);
    });

    it('requires an API key unless an exporter is given, without echoing secrets', () => {
      expect(() => resolveOptions({}, none)).toThrow(/"apiKey".*XRAY_API_KEY.*OTEL_EXPORTER_OTLP_HEADERS/);
      expect(() => resolveOptions({ apiKey: 42 as never }, none)).toThrow('got <redacted>');
      expect(() => resolveOptions({ exporter: new RecordingExporter() }, none)).not.toThrow();
    });

    it('reads XRAY_API_KEY and XRAY_ENDPOINT when the options leave them out', () => {
      const resolved = resolveOptions({}, platformWithEnv({ XRAY_API_KEY: 'xr_env', XRAY_ENDPOINT: 'http://collector:4318/' }));
      expect(resolved.exporterCounters).toBeDefined();
      expect(resolved.maxConcurrentExports).toBe(CONNECTION_DEFAULTS.maxConcurrentExports);
    });

    it('keeps appId and projectId as deprecated aliases of serviceName', () => {
      const exporter = new RecordingExporter();
      expect(resolveOptions({ exporter, projectId: 'p' }, none).resourceAttributes['service.name']).toBe('p');
      expect(resolveOptions({ exporter, appId: 'a', serviceName: 's' }, none).resourceAttributes['service.name']).toBe('s');
      expect(() => resolveOptions({ exporter, appId: 'a', projectId: 'p' }, none)).toThrow(/"projectId"/);
    });
  });

  describe('OTEL_* environment', () => {
    it('takes the service name from the option, then OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES', () => {
      const exporter = new RecordingExporter();
      const env = { OTEL_SERVICE_NAME: 'from-env', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,team=risk%20ops' };
      expect(resolveOptions({ exporter, serviceName: 'opt' }, platformWithEnv(env)).resourceAttributes).toEqual({
        'service.name': 'opt',
        team: 'risk ops',
      });
      expect(resolveOptions({ exporter }, platformWithEnv(env)).resourceAttributes['service.name']).toBe('from-env');
      expect(
        resolveOptions({ exporter }, platformWithEnv({ OTEL_RESOURCE_ATTRIBUTES: env.OTEL_RESOURCE_ATTRIBUTES })).resourceAttributes['service.name'],
      ).toBe('from-attrs');
    });

    it('takes the timeout from the option, then the traces variable, then the generic one', () => {
      const exporter = new RecordingExporter();
      const env = { OTEL_EXPORTER_OTLP_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000' };
      expect(resolveOptions({ exporter, timeoutMillis: 1000 }, platformWithEnv(env)).timeoutMillis).toBe(1000);
      expect(resolveOptions({ exporter }, platformWithEnv(env)).timeoutMillis).toBe(2000);
      expect(resolveOptions({ exporter }, platformWithEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: '3000' })).timeoutMillis).toBe(3000);
    });

    it('accepts a key in OTEL_EXPORTER_OTLP_HEADERS instead of XRAY_API_KEY', () => {
      expect(() => resolveOptions({}, platformWithEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=xr_1' }))).not.toThrow();
      expect(() => resolveOptions({}, platformWithEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20xr_1' }))).not.toThrow();
    });

    it('names a malformed variable without echoing header values', () => {
      expect(() => resolveOptions({}, platformWithEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key' }))).toThrow(
        '@xray/sdk: invalid environment variable OTEL_EXPORTER_OTLP_HEADERS: got <redacted>, expected comma-separated key=value pairs',
      );
      expect(() => resolveOptions({ apiKey: 'k' }, platformWithEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' }))).toThrow(
        /OTEL_EXPORTER_OTLP_TIMEOUT: got "soon", expected a positive integer/,
      );
      expect(() => resolveOptions({ apiKey: 'k' }, platformWithEnv({ OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }))).toThrow(
        /OTEL_EXPORTER_OTLP_COMPRESSION: got "zstd", expected "gzip" or "none"/,
      );
      expect(() => resolveOptions({ apiKey: 'k' }, platformWithEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }))).toThrow(
        /"OTEL_EXPORTER_OTLP_ENDPOINT": got "collector:4318"/,
      );
    });
  });
});
