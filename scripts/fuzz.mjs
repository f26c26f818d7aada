#!/usr/bin/env node
/**
 * `npm run fuzz -- [seed] [rounds]`: the decoders' seeded fuzz test
 * (collector/test/unit/otlp/fuzz.test.ts) with more rounds than `npm test`
 * runs and, with a seed, other inputs. A failure names the seed and round to
 * replay. Defaults: a random seed, 100 000 rounds per case.
 */
import { spawnSync } from 'node:child_process';

const [seedArg, roundsArg] = process.argv.slice(2);
const seed = seedArg === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(seedArg);
const rounds = roundsArg === undefined ? 100_000 : Number(roundsArg);
if (!Number.isInteger(seed) || seed < 0 || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('usage: npm run fuzz -- [seed: a whole number >= 0] [rounds: a whole number >= 1]\n');
  process.exit(2);
}
process.stdout.write(`fuzzing the OTLP decoders: seed ${seed}, ${rounds} rounds per case\n`);
const result = spawnSync('npx', ['vitest', 'run', '--project', 'collector', 'test/unit/otlp/fuzz.test.ts', '--testTimeout', '0'], {
  stdio: 'inherit',
  env: { ...process.env, XRAY_FUZZ_SEED: String(seed), XRAY_FUZZ_ROUNDS: String(rounds) },
});
process.exit(result.status ?? 1);
