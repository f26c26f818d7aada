/** Every command, in the order `xray help` lists them. */
import type { Command } from '../command.js';
import { appsCommand } from './apps.js';
import { executionsCommand } from './executions.js';
import { keysCommand } from './keys.js';
import { scoreCommand } from './score.js';
import { showCommand } from './show.js';
import { sqlCommand } from './sql.js';
import { statsCommand } from './stats.js';
import { stepsCommand } from './steps.js';

export const COMMANDS: readonly Command[] = [
  executionsCommand,
  showCommand,
  stepsCommand,
  scoreCommand,
  statsCommand,
  appsCommand,
  keysCommand,
  sqlCommand,
];
