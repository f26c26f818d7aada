/**
 * The runnable examples of exporter/README.md: each ```js block right after
 * an `<!-- example: name -->` line, exactly as written.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SDK_README = fileURLToPath(new URL('../../../exporter/README.md', import.meta.url));

export function readmeExamples(): Map<string, string> {
  const examples = new Map<string, string>();
  const text = readFileSync(SDK_README, 'utf8');
  for (const match of text.matchAll(/<!-- example: ([a-z0-9-]+) -->\n```js\n([\s\S]*?)\n```/g)) {
    if (examples.has(match[1])) throw new Error(`exporter/README.md has two examples named ${match[1]}`);
    examples.set(match[1], match[2]);
  }
  return examples;
}
