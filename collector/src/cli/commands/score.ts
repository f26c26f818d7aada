/** `xray score <executionId> [<name>=<value>]`: judge an execution (or a step), or list its scores. */
import { expectPositionals, stringOption } from '../args.js';
import type { Score } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { renderScoreList } from '../format/score-list.js';
import { parseScoreValue } from '../../scores/score-value.js';

/** Splits `name=value` at the first `=`; the value keeps any later ones. */
export function parseAssignment(text: string): { name: string; value: number | boolean | string } {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) {
    throw new UsageError(`expected <name>=<value>, e.g. correct=false, got ${JSON.stringify(text)}`, 'score');
  }
  return { name: text.slice(0, at), value: parseScoreValue(text.slice(at + 1)) };
}

export const scoreCommand: Command = {
  name: 'score',
  synopsis: 'score <executionId> [<name>=<value>]',
  summary: "Score an execution or one of its steps, or list an execution's scores",
  help: `Usage: xray score <executionId> <name>=<value> [--comment <text>] [--author <who>] [--step <spanId>]
       xray score <executionId>

Attach a judgement to an execution: true/false (boolean), a number (numeric)
or any other text (a label). Scoring the same name again adds a new score;
filters (GET /api/v1/executions?score.correct=false) and aggregates
(/api/v1/stats/scores) use the latest. Without <name>=<value>, list the
execution's scores. Scoring needs a key with the "ingest" scope, listing one
with "read".

Options:
  --comment <text>        why
  --author <who>          who judged (default: the key's prefix)
  --step <spanId>         score one step (its span id, as "xray show --json" lists it)

Examples:
  xray score 4bf92f3577b34da6a3ce929d0e0e4736 correct=false --comment "should have approved"
  xray score 4bf92f3577b34da6a3ce929d0e0e4736 quality=0.8 --author alice
  xray score 4bf92f3577b34da6a3ce929d0e0e4736 verdict=too-strict --step 00f067aa0ba902b7
  xray score 4bf92f3577b34da6a3ce929d0e0e4736`,
  options: {
    comment: { type: 'string' },
    author: { type: 'string' },
    step: { type: 'string' },
  },
  async run(context, { positionals, values }) {
    const path = (id: string) => `/api/v1/executions/${encodeURIComponent(id)}/scores`;
    if (positionals.length === 1) {
      const [executionId] = positionals;
      const { scores } = await context.client.get<{ scores: Score[] }>(path(executionId), { auth: 'app' });
      context.out(context.json ? toJson({ scores }) : renderScoreList(scores, { colors: context.colors, maxWidth: context.terminalWidth }));
      return;
    }
    const [executionId, assignment] = expectPositionals(positionals, ['executionId', 'name=value'], 'score');
    const { name, value } = parseAssignment(assignment);
    const comment = stringOption(values, 'comment');
    const author = stringOption(values, 'author');
    const step = stringOption(values, 'step');
    const { score } = await context.client.post<{ score: Score }>(
      path(executionId),
      {
        name,
        value,
        ...(comment === undefined ? {} : { comment }),
        ...(author === undefined ? {} : { author }),
        ...(step === undefined ? {} : { stepSpanId: step }),
      },
      { auth: 'app' },
    );
    context.out(
      context.json
        ? toJson({ score })
        : `Scored ${score.executionId}${score.stepSpanId ? ` step ${score.stepSpanId}` : ''}: ${score.name} = ${String(score.value)} (${score.kind}) by ${score.author}`,
    );
  },
};
