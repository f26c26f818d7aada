/**
 * The attribute names X-Ray puts on spans: the one contract shared by the SDK
 * (which writes them) and the collector (which reads them). Published as the
 * `@xray/sdk/semconv` subpath so the collector imports names, never runtime
 * code.
 *
 * Existing conventions win where they exist: OpenInference for step input and
 * output, OpenTelemetry GenAI for model, provider and tokens, OTel span status
 * and the `exception` event for errors. `xray.*` names cover only what no
 * convention describes.
 */

/** Id of the execution a span belongs to; on the root span, and on a step when it is not the trace id or the execution was split over several requests. */
export const ATTR_XRAY_EXECUTION_ID = 'xray.execution.id';
/** `true` on the span that is the execution itself (the local root). */
export const ATTR_XRAY_EXECUTION_ROOT = 'xray.execution.root';
/**
 * @deprecated No longer sent: the API key decides the app, and the SDK's old
 * `appId` option only ever named the service (`service.name`). The collector
 * still ignores it when older SDKs send it.
 */
export const ATTR_XRAY_APP_ID = 'xray.app.id';
/** Pipeline name (e.g. `loan-approval`); on the root (the collector gives it to the steps that travel with it), and on every step of an execution split over several requests. */
export const ATTR_XRAY_PIPELINE = 'xray.pipeline';
/** Environment (e.g. `prod`); falls back to the resource's `deployment.environment.name`. */
export const ATTR_XRAY_ENVIRONMENT = 'xray.environment';
/** Execution outcome: `completed` or `failed`. */
export const ATTR_XRAY_EXECUTION_STATUS = 'xray.execution.status';
/** JSON object of user metadata attached to the execution. */
export const ATTR_XRAY_EXECUTION_METADATA = 'xray.execution.metadata';
/** JSON value of the execution's final outcome. */
export const ATTR_XRAY_EXECUTION_OUTCOME = 'xray.execution.outcome';
/** Number of steps the sender recorded for the execution (root span only). */
export const ATTR_XRAY_EXECUTION_STEP_COUNT = 'xray.execution.step_count';
/** Number of failed steps the sender recorded for the execution (root span only). */
export const ATTR_XRAY_EXECUTION_ERROR_COUNT = 'xray.execution.error_count';
/** Steps the sender dropped for this execution because of its caps (root span only). */
export const ATTR_XRAY_EXECUTION_DROPPED_STEPS = 'xray.execution.dropped_steps';

/** Step status as the user recorded it (`skipped`, `unfinished`, ...). Absent: `failed` for an ERROR span status, else `completed`. */
export const ATTR_XRAY_STEP_STATUS = 'xray.step.status';
/** Free-text reasoning behind the step's decision. */
export const ATTR_XRAY_STEP_REASONING = 'xray.step.reasoning';
/** 0-based order of the step within its execution. */
export const ATTR_XRAY_STEP_SEQUENCE = 'xray.step.sequence';
/** Cost of the step in US dollars (no GenAI convention exists for cost). */
export const ATTR_XRAY_STEP_COST_USD = 'xray.step.cost_usd';
/** On the root of a recorded replay (`xray replay --record`): the id of the execution it replayed. */
export const ATTR_XRAY_REPLAY_OF = 'xray.replay_of';
/** On each step of a recorded replay: `match`, `diff` or `failed` against the original step. */
export const ATTR_XRAY_REPLAY_OUTCOME = 'xray.replay_outcome';

/** OpenInference: the step's input, serialized. */
export const ATTR_INPUT_VALUE = 'input.value';
/** OpenInference: media type of `input.value` (`application/json` or `text/plain`). */
export const ATTR_INPUT_MIME_TYPE = 'input.mime_type';
/** OpenInference: the step's output, serialized. */
export const ATTR_OUTPUT_VALUE = 'output.value';
/** OpenInference: media type of `output.value`. */
export const ATTR_OUTPUT_MIME_TYPE = 'output.mime_type';

/** OpenTelemetry GenAI: model requested. */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
/** OpenTelemetry GenAI: model that answered. */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
/** OpenTelemetry GenAI: provider (e.g. `openai`). */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** OpenTelemetry GenAI, older name of the provider attribute; still read. */
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
/** OpenTelemetry GenAI: prompt tokens. */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** OpenTelemetry GenAI: completion tokens. */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';

/** OpenTelemetry resource: the service that ran the pipeline. */
export const ATTR_SERVICE_NAME = 'service.name';
/** OpenTelemetry resource: deployment environment. */
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';

/**
 * The most span events the collector takes in one request, over all its
 * spans; it refuses more with a 400. The SDK splits its requests under it.
 */
export const XRAY_MAX_EVENTS_PER_REQUEST = 100_000;

/**
 * The most attribute values the collector takes in one request: every
 * attribute of a resource, span or event counts one, and so does every
 * entry of a key-value list and every item of an array inside one, at any
 * depth. It refuses more with a 400. The SDK splits its requests under it.
 */
export const XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST = 1_000_000;

/** OpenTelemetry exception event and its attributes. */
export const EVENT_EXCEPTION = 'exception';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';

/** Execution outcomes. */
export const EXECUTION_STATUS_COMPLETED = 'completed';
export const EXECUTION_STATUS_FAILED = 'failed';

/** Step statuses the SDK writes; users may write others, the collector keeps them as given. */
export const STEP_STATUS_COMPLETED = 'completed';
export const STEP_STATUS_FAILED = 'failed';
/** A `ctx.step` still running when its execution ended; its late result is not recorded. */
export const STEP_STATUS_UNFINISHED = 'unfinished';
