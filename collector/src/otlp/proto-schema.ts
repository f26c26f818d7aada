/**
 * The protobuf messages of OTLP/HTTP traces, written out as a protobufjs JSON
 * descriptor so nothing reads a `.proto` file at run time (the compiled dist
 * has no proto files next to it).
 *
 * Field numbers and types follow opentelemetry-proto:
 *   opentelemetry/proto/common/v1/common.proto
 *   opentelemetry/proto/resource/v1/resource.proto
 *   opentelemetry/proto/trace/v1/trace.proto
 *   opentelemetry/proto/collector/trace/v1/trace_service.proto
 * plus google/rpc/status.proto for error bodies. Only the fields the collector
 * reads are declared; the rest (trace_state, flags, links, dropped counts,
 * schema_url, entity_refs) are skipped as unknown fields, exactly as a proto3
 * reader skips fields it does not know.
 *
 * Enums (SpanKind, StatusCode) are declared as `int32`: that is their wire
 * form, and it keeps values this schema does not know (proto3 enums are open)
 * instead of protobufjs dropping them.
 */
import { Root, type INamespace, type IType, type Type } from 'protobufjs';

type Fields = IType['fields'];

/** Every message is proto3: implicit presence and strict UTF-8 in strings, as in the upstream files. */
function message(fields: Fields, extra: Omit<IType, 'fields'> = {}): IType {
  return { edition: 'proto3', fields, ...extra } as IType;
}

const descriptor: INamespace = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: {
              nested: {
                v1: {
                  nested: {
                    AnyValue: message(
                      {
                        stringValue: { type: 'string', id: 1 },
                        boolValue: { type: 'bool', id: 2 },
                        intValue: { type: 'int64', id: 3 },
                        doubleValue: { type: 'double', id: 4 },
                        arrayValue: { type: 'ArrayValue', id: 5 },
                        kvlistValue: { type: 'KeyValueList', id: 6 },
                        bytesValue: { type: 'bytes', id: 7 },
                      },
                      {
                        oneofs: {
                          value: {
                            oneof: [
                              'stringValue',
                              'boolValue',
                              'intValue',
                              'doubleValue',
                              'arrayValue',
                              'kvlistValue',
                              'bytesValue',
                            ],
                          },
                        },
                      },
                    ),
                    ArrayValue: message({ values: { rule: 'repeated', type: 'AnyValue', id: 1 } }),
                    KeyValueList: message({ values: { rule: 'repeated', type: 'KeyValue', id: 1 } }),
                    KeyValue: message({
                      key: { type: 'string', id: 1 },
                      value: { type: 'AnyValue', id: 2 },
                    }),
                    InstrumentationScope: message({
                      name: { type: 'string', id: 1 },
                      version: { type: 'string', id: 2 },
                    }),
                  },
                },
              },
            },
            resource: {
              nested: {
                v1: {
                  nested: {
                    Resource: message({
                      attributes: { rule: 'repeated', type: 'opentelemetry.proto.common.v1.KeyValue', id: 1 },
                    }),
                  },
                },
              },
            },
            trace: {
              nested: {
                v1: {
                  nested: {
                    ResourceSpans: message({
                      resource: { type: 'opentelemetry.proto.resource.v1.Resource', id: 1 },
                      scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
                    }),
                    ScopeSpans: message({
                      scope: { type: 'opentelemetry.proto.common.v1.InstrumentationScope', id: 1 },
                      spans: { rule: 'repeated', type: 'Span', id: 2 },
                    }),
                    Span: message(
                      {
                        traceId: { type: 'bytes', id: 1 },
                        spanId: { type: 'bytes', id: 2 },
                        parentSpanId: { type: 'bytes', id: 4 },
                        name: { type: 'string', id: 5 },
                        kind: { type: 'int32', id: 6 },
                        startTimeUnixNano: { type: 'fixed64', id: 7 },
                        endTimeUnixNano: { type: 'fixed64', id: 8 },
                        attributes: { rule: 'repeated', type: 'opentelemetry.proto.common.v1.KeyValue', id: 9 },
                        events: { rule: 'repeated', type: 'Event', id: 11 },
                        status: { type: 'Status', id: 15 },
                      },
                      {
                        nested: {
                          Event: message({
                            timeUnixNano: { type: 'fixed64', id: 1 },
                            name: { type: 'string', id: 2 },
                            attributes: { rule: 'repeated', type: 'opentelemetry.proto.common.v1.KeyValue', id: 3 },
                          }),
                        },
                      },
                    ),
                    Status: message({
                      message: { type: 'string', id: 2 },
                      code: { type: 'int32', id: 3 },
                    }),
                  },
                },
              },
            },
            collector: {
              nested: {
                trace: {
                  nested: {
                    v1: {
                      nested: {
                        ExportTraceServiceRequest: message({
                          resourceSpans: { rule: 'repeated', type: 'opentelemetry.proto.trace.v1.ResourceSpans', id: 1 },
                        }),
                        ExportTraceServiceResponse: message({
                          partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 },
                        }),
                        ExportTracePartialSuccess: message({
                          rejectedSpans: { type: 'int64', id: 1 },
                          errorMessage: { type: 'string', id: 2 },
                        }),
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: message({
              typeUrl: { type: 'string', id: 1 },
              value: { type: 'bytes', id: 2 },
            }),
          },
        },
        rpc: {
          nested: {
            Status: message({
              code: { type: 'int32', id: 1 },
              message: { type: 'string', id: 2 },
              details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
            }),
          },
        },
      },
    },
  },
};

const root = Root.fromJSON(descriptor);

export const ExportTraceServiceRequest: Type = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);
export const ExportTraceServiceResponse: Type = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
);
export const RpcStatus: Type = root.lookupType('google.rpc.Status');
