/**
 * Fills the reply store (store/reply-store.ts) from ClickHouse, one settled
 * day at a time, so the first read of a finished execution costs no engine
 * statement.
 *
 * A day is *settled* when it is not in the future (UTC), its partitions of
 * `executions` and `steps` have had no new part for `settleMillis`, and each
 * is one part (migration 0160 merges a quiet day whole after an hour; a day
 * still in several parts at twice the settle time is built as it is). Today
 * settles too once the app has stopped writing to it that long (a write
 * after its build stops it being served, the same as a late row in a past
 * day; under steady ingest it is never built). Its *signature*
 * has two halves: the names of those active parts (any insert, merge,
 * mutation or TTL drop changes them; read from system.parts, no data read),
 * and its rows (count and newest `inserted_at` of each table: a merge leaves
 * them, a late row or a deletion does not). Each pass:
 *
 *  1. reads the parts of both tables;
 *  2. the check: for a served day whose parts changed, reads its rows; the
 *     same rows only record the new parts (a merge), other rows or no
 *     partitions any more stop the day being served and drop its replies
 *     (also run after every deletion, and at start);
 *  3. builds the settled days not served, newest first: the executions whose
 *     rows all lie in the day (execution_days), a range of ids at a time
 *     (one statement for their rows, one for their scores), each reply made
 *     and serialized as the route makes it (execution-detail.ts); an
 *     execution with rows on other days too is forgotten, not stored (a late
 *     row on another day changed it);
 *  4. serves the day once its signature, read again after the build, is the
 *     one it started from; otherwise drops it and tries again next pass.
 *
 * A day is built from at most `rangeSize` executions per statement, so the
 * engine, which runs one statement at a time here, is never held long, and
 * the event loop gets a turn every REPLIES_PER_TURN replies made.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import type { ClickHouseBackend, ExecutionsRepository } from '../store/index.js';
import type { DaySignature, ReplyEntry, ReplyStore } from '../store/reply-store.js';
import { detailSerializer, toDetailReply } from './execution-detail.js';
import type { latestScore } from './schemas.js';
import { groupBy } from '../group-by.js';
import { createDayWords } from '../store/day-words.js';

/**
 * Executions read per statement while a day is built: their rows are parsed
 * in one go on the event loop (~2.5 MB of JSON at 20 steps of 1 KB each).
 */
export const DEFAULT_REPLY_RANGE = 100;
/** Replies made between two turns of the event loop while a range is built. */
const REPLIES_PER_TURN = 20;

export interface ReplyBuilderOptions {
  backend: ClickHouseBackend;
  store: ReplyStore;
  timelinesOfDay: ExecutionsRepository['timelinesOfDay'];
  /** Latest scores of a range of the app's execution ids, by execution id; none without it. */
  latestScoresOfRange?: (appId: string, fromId: string, toId: string) => Promise<Map<string, z.infer<typeof latestScore>[]>>;
  /** How long a day's partitions must have had no new part (XRAY_REPLY_STORE_SETTLE_SECONDS). */
  settleMillis: number;
  /** Time between passes (XRAY_REPLY_STORE_INTERVAL_SECONDS). */
  intervalMillis: number;
  rangeSize?: number;
  /** Called as a day's build starts (step search's index learns which writes its words may predate). */
  beforeBuild?: (day: string) => void;
  /** Called as a listing of every day with rows starts; what it returns gets the days found (step search's index: the other days are empty). */
  onListing?: () => (days: Iterable<string>) => void;
  logger?: FastifyBaseLogger;
  now?: () => number;
}

export interface BuilderPass {
  /** Days built and now served. */
  built: string[];
  /** Days no longer served: changed or gone. */
  dropped: string[];
  /** Settled days still not served after this pass. */
  waiting: number;
}

export interface ReplyBuilder {
  pass(): Promise<BuilderPass>;
  /**
   * Stops serving every day whose partitions changed since it was built
   * (while this process was down, say), then runs a pass now and one every
   * interval; resolves after that first check.
   */
  start(): Promise<void>;
  /**
   * Stops serving every day whose rows changed since it was built (a
   * deletion runs it before it is answered); returns the days dropped.
   */
  check(): Promise<string[]>;
  /** Stops after the range being built; resolves when the running pass has ended. */
  stop(): Promise<void>;
  /** Settled days not served yet (as of the last pass). */
  readonly waiting: number;
}

interface PartitionParts {
  partition: string;
  table: string;
  parts: number;
  newest: number;
  names: string;
}

interface DayState {
  day: string;
  /** The names of the day's active parts, by table. */
  parts: string;
  settled: boolean;
}

interface TableRows {
  table: string;
  rows: string;
  newest: string;
}

interface DayExecution {
  app_id: string;
  execution_id: string;
  single: number;
}

const PARTS_SQL = `SELECT partition_id AS partition, table, count() AS parts, toUnixTimestamp(max(modification_time)) AS newest,
  arrayStringConcat(arraySort(groupArray(name)), ',') AS names
FROM system.parts
WHERE database = currentDatabase() AND active AND table IN ('executions', 'steps')`;

/** Every execution with rows in the day, and whether all its rows are there. */
const DAY_EXECUTIONS_SQL = `SELECT app_id, execution_id, toUInt8(min(day) = max(day)) AS single
FROM execution_days
WHERE (app_id, execution_id) IN (SELECT app_id, execution_id FROM execution_days WHERE day = {day:Date})
GROUP BY app_id, execution_id
ORDER BY app_id, execution_id`;

/** A day's rows, per table: how many, and the newest insert. */
const DAY_ROWS_SQL = ['executions', 'steps']
  .map((table) => `SELECT '${table}' AS table, toString(count()) AS rows, toString(toUnixTimestamp64Milli(max(inserted_at))) AS newest
FROM ${table} WHERE toDate(start_time) = {day:Date}`)
  .join('\nUNION ALL\n');

const dayOf = (partition: string) => `${partition.slice(0, 4)}-${partition.slice(4, 6)}-${partition.slice(6, 8)}`;

/**
 * @example
 * const builder = createReplyBuilder({ backend, store, timelinesOfDay: repo.timelinesOfDay, settleMillis: 3_600_000, intervalMillis: 60_000 });
 * builder.start();
 */
export function createReplyBuilder(options: ReplyBuilderOptions): ReplyBuilder {
  const now = options.now ?? Date.now;
  const rangeSize = options.rangeSize ?? DEFAULT_REPLY_RANGE;
  const serialize = detailSerializer();
  let waiting = 0;
  let builds = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // One pass at a time: a test's (or a caller's) pass waits for the scheduled one.
  let queue: Promise<unknown> = Promise.resolve();

  async function daysNow(partition?: string): Promise<Map<string, DayState>> {
    const listed = partition === undefined ? options.onListing?.() : undefined;
    const rows = await options.backend.query<PartitionParts>(
      `${PARTS_SQL}${partition ? '\n  AND partition_id = {partition:String}' : ''}\nGROUP BY partition_id, table`,
      partition ? { partition } : {},
    );
    const today = new Date(now()).toISOString().slice(0, 10);
    const settleSeconds = options.settleMillis / 1000;
    const nowSeconds = now() / 1000;
    // Only daily partitions (YYYYMMDD).
    const byDay = groupBy(
      rows.filter((row) => /^\d{8}$/.test(row.partition)),
      (row) => dayOf(row.partition),
    );
    const days = new Map<string, DayState>();
    for (const [day, tables] of byDay) {
      tables.sort((a, b) => (a.table < b.table ? -1 : 1));
      const age = nowSeconds - Math.max(...tables.map((t) => Number(t.newest)));
      const merged = tables.every((t) => Number(t.parts) === 1);
      const settled = day <= today && age >= settleSeconds && (merged || age >= 2 * settleSeconds);
      days.set(day, { day, parts: tables.map((t) => `${t.table}:${t.names}`).join('|'), settled });
    }
    listed?.(days.keys());
    return days;
  }

  async function rowsOf(day: string): Promise<string> {
    const tables = await options.backend.query<TableRows>(DAY_ROWS_SQL, { day });
    return tables
      .sort((a, b) => (a.table < b.table ? -1 : 1))
      .map((t) => `${t.table}:${t.rows}:${t.newest}`)
      .join('|');
  }

  /** The day's signature now, or undefined when its partitions are gone. */
  async function signatureOf(day: string): Promise<DaySignature | undefined> {
    const state = (await daysNow(day.replaceAll('-', ''))).get(day);
    return state && { parts: state.parts, content: await rowsOf(day) };
  }

  async function buildDay(day: string, signature: DaySignature): Promise<boolean> {
    options.beforeBuild?.(day);
    // Names this build's replies: only the build the day is served from answers (a failed one may have stored others).
    const build = `${now().toString(36)}.${(builds += 1).toString(36)}`;
    const executions = await options.backend.query<DayExecution>(DAY_EXECUTIONS_SQL, { day });
    const keys: string[] = [];
    const ranges: { appId: string; ids: string[] }[] = [];
    // Executions with rows on other days too: no reply (whatever the store holds of one may predate them), their words still.
    const spanning = new Set<string>();
    const words = createDayWords();
    for (const row of executions) {
      if (Number(row.single) !== 1) {
        await options.store.forget(row.app_id, row.execution_id);
        spanning.add(`${row.app_id}\u0000${row.execution_id}`);
      }
      const last = ranges[ranges.length - 1];
      if (last && last.appId === row.app_id && last.ids.length < rangeSize) last.ids.push(row.execution_id);
      else ranges.push({ appId: row.app_id, ids: [row.execution_id] });
    }
    for (const { appId, ids } of ranges) {
      if (stopped) return false;
      const fromId = ids[0]!;
      const toId = ids[ids.length - 1]!;
      const wanted = new Set(ids.filter((id) => !spanning.has(`${appId}\u0000${id}`)));
      const stored = await options.store.storeBatch(appId, async () => {
        const [timelines, scores] = await Promise.all([
          options.timelinesOfDay(appId, day, fromId, toId),
          options.latestScoresOfRange ? options.latestScoresOfRange(appId, fromId, toId) : new Map<string, z.infer<typeof latestScore>[]>(),
        ]);
        const entries: ReplyEntry[] = [];
        let made = 0;
        for (const [executionId, timeline] of timelines) {
          // Every step of the day goes into its words; a hit without a reply is answered by the engine.
          words.add(appId, executionId, timeline.steps, timeline.renumbered);
          if (!wanted.has(executionId)) continue;
          if (++made % REPLIES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
          const reply = toDetailReply(timeline, scores.get(executionId) ?? [], serialize);
          if (!reply?.finished || reply.startMillis === undefined) continue;
          entries.push({ appId, executionId, day, build, startMillis: reply.startMillis, ...reply.value });
        }
        return entries;
      });
      keys.push(...stored);
    }
    await options.store.storeWords(day, words);
    const after = await signatureOf(day);
    if (after?.parts !== signature.parts || after.content !== signature.content) {
      // Its replies go with it: no record names them.
      await options.store.unverify(day, true, keys);
      return false;
    }
    await options.store.verify(day, signature, keys, build);
    return true;
  }

  /** Stops serving (and drops) every day whose rows changed or went since it was built. */
  async function check(current: Map<string, DayState>): Promise<string[]> {
    const dropped: string[] = [];
    for (const [day, built] of options.store.days()) {
      const now = current.get(day);
      if (now?.parts === built.parts) continue;
      if (now && (await rowsOf(day)) === built.content) {
        // Rewritten with the same rows (a merge): still what the replies were built from.
        await options.store.reparts(day, now.parts);
        continue;
      }
      await options.store.unverify(day, true);
      dropped.push(day);
    }
    return dropped;
  }

  function pass(): Promise<BuilderPass> {
    const next = queue.then(runPass, runPass);
    queue = next.catch(() => undefined);
    return next;
  }

  async function runPass(): Promise<BuilderPass> {
    const current = await daysNow();
    const dropped = await check(current);
    const served = options.store.days();
    const todo = [...current.values()].filter((state) => state.settled && !served.has(state.day)).sort((a, b) => (a.day < b.day ? 1 : -1));
    waiting = todo.length;
    const built: string[] = [];
    for (const { day, parts } of todo) {
      if (stopped) break;
      const started = performance.now();
      if (await buildDay(day, { parts, content: await rowsOf(day) })) {
        built.push(day);
        waiting -= 1;
        options.logger?.info({ day, millis: Math.round(performance.now() - started), entries: options.store.stats.entries }, 'reply store: day built');
      }
    }
    return { built, dropped, waiting };
  }

  function schedule(delayMillis: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      pass()
        .catch((error: unknown) => options.logger?.warn({ err: error }, 'reply store: pass failed; trying again next interval'))
        .finally(() => schedule(options.intervalMillis));
    }, delayMillis);
    timer.unref();
  }

  return {
    pass,
    async start() {
      await check(await daysNow());
      schedule(0);
    },
    check: async () => check(await daysNow()),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      // Every pass, scheduled or asked for, runs on this queue.
      await queue;
    },
    get waiting() {
      return waiting;
    },
  };
}
