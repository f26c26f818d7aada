/** Decodes a google.rpc.Status protobuf reply, with the collector's own message definitions. */
import { RpcStatus } from '../../src/otlp/proto-schema.js';

export function decodeProtobufStatus(bytes: Uint8Array): { code: number; message: string } {
  const decoded = RpcStatus.toObject(RpcStatus.decode(bytes), { defaults: true }) as { code: number; message: string };
  return { code: decoded.code, message: decoded.message };
}
