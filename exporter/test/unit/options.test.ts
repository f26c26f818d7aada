import { describe, expect, it } from 'vitest';
import { resolveOptions, XRAY_DEFAULTS } from '../../src/options.js';
import { CONNECTION_DEFAULTS } from '../../src/connection-options.js';
import { RecordingExporter } from '../support/exporters.js';

describe('options', () => {
  describe('resolveOptions', () => {
    it('applies defaults', () => {
      const exporter = new RecordingExporter();
      expect(resolveOptions({ exporter }, {})).toMatchObject({
        exporter,
        pipeline: XRAY_DEFAULTS.pipeline,
        serviceName: 'unknown_service',
        timeoutMillis: CONNECTION_DEFAULTS.timeoutMillis,
        maxRequestBytes: 4 * 1024 * 1024,
        maxPendingExecutions: XRAY_DEFAULTS.maxPendingExecutions,
        maxStepsPerExecution: XRAY_DEFAULTS.maxStepsPerExecution,
        maxAttributeBytes: XRAY_DEFAULTS.maxAttributeBytes,
        maxConcurrentExports: 1,
      });
    });

    it('names the key, the value and what was expected', () => {
      expect(() => resolveOptions({ exporter: new RecordingExporter(), maxStepsPerExecution: -1 }, {})).toThrow(
        '@xray/sdk: invalid option "maxStepsPerExecution": got -1, expected an integer >= 1',
      );
      expect(() => resolveOptions({ apiKey: 'k', endpoint: 'ftp://x' }, {})).toThrow(/"endpoint": got "ftp:\/\/x", expected an http\(s\) URL/);
      expect(() => resolveOptions({ apiKey: 'k', headers: { a: 1 as never } }, {})).toThrow(/"headers.a": got 1, expected a string/);
      expect(() => resolveOptions({ exporter: {} as never }, {})).toThrow(/"exporter": got an object, expected a SpanExporter/);
    });

    it('requires an API key unless an exporter is given, without echoing secrets', () => {
      expect(() => resolveOptions({}, {})).toThrow(/"apiKey".*XRAY_API_KEY/);
      expect(() => resolveOptions({ apiKey: 42 as never }, {})).toThrow('got <redacted>');
      expect(() => resolveOptions({ exporter: new RecordingExporter() }, {})).not.toThrow();
    });

    it('reads XRAY_API_KEY and XRAY_ENDPOINT when the options leave them out', () => {
      const resolved = resolveOptions({ appId: 'app' }, { XRAY_API_KEY: 'xr_env', XRAY_ENDPOINT: 'http://collector:4318/' });
      expect(resolved.exporter.constructor.name).toBe('OTLPTraceExporter');
      expect(resolved.maxConcurrentExports).toBe(CONNECTION_DEFAULTS.maxConcurrentExports);
      expect(resolved.serviceName).toBe('app');
    });

    it('treats projectId as an alias of appId', () => {
      const exporter = new RecordingExporter();
      expect(resolveOptions({ exporter, projectId: 'p' }, {}).appId).toBe('p');
      expect(() => resolveOptions({ exporter, appId: 'a', projectId: 'p' }, {})).toThrow(/"projectId"/);
    });
  });
});
