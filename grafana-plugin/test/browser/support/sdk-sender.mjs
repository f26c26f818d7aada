/**
 * Sends executions (and scores) to a collector with the real X-Ray SDK
 * (exporter/dist), in a process of its own: the SDK is an ES module and the
 * browser tests run under Jest's CommonJS. Reads one JSON argument:
 * { endpoint, apiKey, executions: [{ executionId, pipeline, environment,
 *   metadata, failed, steps: [{ name, input, output, reasoning, status,
 *   error, parent, model, inputTokens, outputTokens, costUsd }] }],
 *   scores: [{ executionId, name, value, comment, author, time }] }
 * and prints { sent, failed } once everything was acknowledged.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkMain = process.env.XRAY_SDK_MAIN ?? path.resolve(here, '../../../../exporter/dist/index.js');
const { XRay } = await import(pathToFileURL(sdkMain).href);

const spec = JSON.parse(process.argv[2]);
const errors = [];
const xray = new XRay({
  endpoint: spec.endpoint,
  apiKey: spec.apiKey,
  serviceName: 'plugin-browser-test',
  onError: (error) => errors.push(String(error?.message ?? error)),
});

for (const plan of spec.executions ?? []) {
  const execution = xray.startExecution({
    executionId: plan.executionId,
    pipeline: plan.pipeline,
    environment: plan.environment,
    metadata: plan.metadata,
  });
  const ids = new Map();
  for (const step of plan.steps) {
    const id = execution.recordStep({
      name: step.name,
      input: step.input,
      output: step.output,
      reasoning: step.reasoning,
      status: step.status,
      error: step.error ? new Error(step.error) : undefined,
      durationMs: step.durationMs,
      parentStepId: step.parent ? ids.get(step.parent) : undefined,
      model: step.model,
      inputTokens: step.inputTokens,
      outputTokens: step.outputTokens,
      costUsd: step.costUsd,
    });
    ids.set(step.name, id);
  }
  if (plan.failed) {
    execution.failExecution(new Error(plan.errorMessage ?? 'failed'));
  } else {
    execution.completeExecution(plan.outcome);
  }
}
const report = await xray.flush({ timeoutMillis: 20_000 });
for (const score of spec.scores ?? []) {
  const input = {
    name: score.name,
    value: score.value,
    comment: score.comment,
    author: score.author,
    time: score.time,
  };
  // The execution is scoreable once its root span is stored: a 404 right after the flush is asked again.
  let result = await xray.score(score.executionId, input);
  for (let attempt = 0; !result.ok && result.status === 404 && attempt < 40; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    result = await xray.score(score.executionId, input);
  }
  if (!result.ok) {
    errors.push(`score ${score.name} of ${score.executionId}: ${result.code} ${result.message}`);
  }
}
await xray.shutdown({ timeoutMillis: 5_000 });
if (report.failed > 0 || report.timedOut || errors.length > 0) {
  console.error(JSON.stringify({ report, errors }));
  process.exit(1);
}
console.log(JSON.stringify(report));
