/**
 * Maps the fields of a recorded step onto span attributes, using the shared
 * names in `semconv`: OpenInference for input and output, OTel GenAI for model
 * and tokens, `xray.*` for the rest. Pure; serialization happens here, once.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_INPUT_MIME_TYPE,
  ATTR_INPUT_VALUE,
  ATTR_OUTPUT_MIME_TYPE,
  ATTR_OUTPUT_VALUE,
  ATTR_XRAY_STEP_COST_USD,
  ATTR_XRAY_STEP_REASONING,
  STEP_STATUS_COMPLETED,
  STEP_STATUS_FAILED,
} from './semconv.js';
import { boundText, serializeJson, setValueAttributes, type SerializeCounters } from './serialize.js';
import type { StepInput } from './step-types.js';

/** The status a step ends up with: as given, else `failed` if it has an error, else `completed`. */
export function resolveStepStatus(step: StepInput): string {
  if (typeof step.status === 'string' && step.status.length > 0) return step.status;
  return step.error !== undefined ? STEP_STATUS_FAILED : STEP_STATUS_COMPLETED;
}

/** Adds reasoning, input, output and GenAI attributes of `step` to `target`. */
export function addStepFieldAttributes(
  target: Attributes,
  step: StepInput,
  maxBytes: number,
  counters: SerializeCounters,
): void {
  if (step.reasoning !== undefined && step.reasoning !== null) {
    const reasoning =
      typeof step.reasoning === 'string' ? boundText(step.reasoning, maxBytes, counters) : serializeJson(step.reasoning, maxBytes, counters);
    if (reasoning !== undefined) target[ATTR_XRAY_STEP_REASONING] = reasoning;
  }
  setValueAttributes(target, ATTR_INPUT_VALUE, ATTR_INPUT_MIME_TYPE, step.input, maxBytes, counters);
  setValueAttributes(target, ATTR_OUTPUT_VALUE, ATTR_OUTPUT_MIME_TYPE, step.output, maxBytes, counters);
  if (typeof step.model === 'string') target[ATTR_GEN_AI_REQUEST_MODEL] = boundText(step.model, maxBytes, counters);
  if (typeof step.provider === 'string') target[ATTR_GEN_AI_PROVIDER_NAME] = boundText(step.provider, maxBytes, counters);
  if (isFiniteNumber(step.inputTokens)) target[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = step.inputTokens;
  if (isFiniteNumber(step.outputTokens)) target[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = step.outputTokens;
  if (isFiniteNumber(step.costUsd)) target[ATTR_XRAY_STEP_COST_USD] = step.costUsd;
}

/**
 * Copies user-supplied extra attributes onto `target`, except the names in
 * `reserved` (the SDK's own, which a user must not set). Valid attribute
 * values pass through (strings bounded); anything else is sent as JSON text.
 */
export function addUserAttributes(
  target: Attributes,
  attributes: unknown,
  maxBytes: number,
  counters: SerializeCounters,
  reserved: ReadonlySet<string>,
): void {
  if (attributes === null || typeof attributes !== 'object') return;
  for (const key of Object.keys(attributes)) {
    if (reserved.has(key)) continue;
    const value = (attributes as Record<string, unknown>)[key];
    const converted = toAttributeValue(value, maxBytes, counters);
    if (converted !== undefined) target[key] = converted;
  }
}

function toAttributeValue(value: unknown, maxBytes: number, counters: SerializeCounters): AttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return boundText(value, maxBytes, counters);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (isPrimitiveArray(value)) return value.slice();
  return serializeJson(value, maxBytes, counters);
}

/** OTel allows arrays of one primitive type; mixed arrays go out as JSON instead. */
function isPrimitiveArray(value: unknown): value is string[] | number[] | boolean[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  const type = typeof value[0];
  if (type !== 'string' && type !== 'number' && type !== 'boolean') return false;
  return value.every((item) => typeof item === type);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
