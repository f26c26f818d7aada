/** Every command, in the order `xray help` lists them. */
import type { Command } from '../command.js';
import { appsCommand } from './apps.js';
import { auditCommand } from './audit.js';
import { corsCommand } from './cors.js';
import { costCommand } from './cost.js';
import { diffCommand } from './diff.js';
import { executionsCommand } from './executions.js';
import { exportCommand } from './export.js';
import { keysCommand } from './keys.js';
import { replayCommand } from './replay.js';
import { scoreCommand } from './score.js';
import { showCommand } from './show.js';
import { sqlCommand } from './sql.js';
import { statsCommand } from './stats.js';
import { tailCommand } from './tail.js';
import { stepsCommand } from './steps.js';
import { webhooksCommand } from './webhooks.js';

export const COMMANDS: readonly Command[] = [
  executionsCommand,
  tailCommand,
  showCommand,
  diffCommand,
  replayCommand,
  exportCommand,
  stepsCommand,
  scoreCommand,
  statsCommand,
  costCommand,
  appsCommand,
  keysCommand,
  corsCommand,
  webhooksCommand,
  sqlCommand,
  auditCommand,
];
