/**
 * The rollup job (migration 0170): folds the rows stored since its last pass
 * into the rollups, off the insert path.
 *
 * Every pass (none when no row was stored since the watermark):
 *   1. picks `through`, a time before which every row is visible: the
 *      server's clock less `lagMillis`, and no later than the start of the
 *      oldest insert still running in this process (a row's inserted_at is
 *      set when its insert runs, so a running insert's rows all come after
 *      its start). `lagMillis` covers what this process cannot see: inserts
 *      of other collectors sharing a ClickHouse server;
 *   2. inserts each rollup's pending rows (`<rollup>_pending_since` at the
 *      stored watermark: every row at or after it, as the rollup's own
 *      states) into the rollup. Rows after `through` are folded in too and
 *      will be again next time: the states are sets of ids, so a row folded
 *      twice counts once;
 *   3. moves the watermark (`rollup_progress`) to `through`, only forward and
 *      only after every insert of the pass succeeded. A failed pass leaves
 *      it where it was, so the next one folds the same rows again.
 * Readers add the rows stored since the watermark to the rollup
 * (`rollupSource`, or the `<rollup>_live` views), exact at any moment
 * whether or not a pass has run.
 *
 * After folding, a pass recounts the hours the new rows fall in into
 * `pipeline_counts_1h` (migration 0200, so a failure-rate read sums numbers
 * instead of merging sets), from the executions themselves with FINAL: the
 * sets keep every version they were given, so a root sent again with
 * another status, pipeline or environment counts there under both, and
 * only the rows say which is the newest.
 * The counts have a watermark of their own ('pipeline_counts_1h'); a pass
 * starts from the older of the two, so the hours a collector predating the
 * counts folded are recounted by the next one that does.
 *
 * A deletion rebuilds the rollup buckets of what it deleted; `exclusive`
 * keeps passes out of it, so a pass that read rows before they were deleted
 * cannot put them back after the rebuild.
 */
import type { ClickHouseBackend } from './backend.js';
import { READ_FINAL } from './sql.js';
import { groupBy } from '../group-by.js';

/** Rollups and their columns, as migrations 0003 and 0085 created them. */
export const ROLLUPS = {
  pipeline_stats_1m: 'app_id, pipeline, environment, bucket, executions, failed',
  pipeline_stats_1h: 'app_id, pipeline, environment, bucket, executions, failed',
  step_stats_1h: 'app_id, pipeline, environment, name, bucket, steps, failed',
} as const;

/** Exact counts per hour (migration 0200), recounted from `pipeline_stats_1h`; its watermark's name in `rollup_progress`. */
export const PIPELINE_COUNTS = 'pipeline_counts_1h';

/** The watermarks a pass moves; it starts from the older of them. */
const WATERMARKS = ['rollups', PIPELINE_COUNTS] as const;

/** An hour of one app's executions (unix seconds, the start of the hour). */
export interface AppHour {
  appId: string;
  hour: number;
}

/** Hours recounted per statement (bound as one array per app). */
export const RECOUNT_HOURS_PER_STATEMENT = 200;

/**
 * Recounts `hours` into `pipeline_counts_1h` from the executions themselves
 * (FINAL: each execution once, as its newest version), every pipeline and
 * environment of each hour; a group the hour's counts hold that no
 * execution is in any more (its root was sent again under another pipeline,
 * or deleted) gets a zero row, which readers skip. The rollup sets cannot be
 * the source: a set keeps every id it was ever given, so a root sent again
 * with another status would stay failed in them. `now64` is read when the
 * statement starts: the count read last wins.
 *
 * @example
 * const { sql, params } = recountHoursSql([{ appId: 'default', hour: 1_796_508_000 }]);
 * await backend.command(sql, params);
 */
export function recountHoursSql(hours: readonly AppHour[], suffix = ''): { sql: string; params: Record<string, string | number | number[]> } {
  const params: Record<string, string | number | number[]> = {};
  const rows: string[] = [];
  const counted: string[] = [];
  // One condition per app: its hours as a set, within their span (the primary key's range).
  [...groupBy(hours, (entry) => entry.appId)].forEach(([appId, entries], i) => {
    const list = entries.map((entry) => entry.hour);
    params[`app${i}`] = appId;
    params[`hours${i}`] = list;
    params[`first${i}`] = Math.min(...list);
    params[`last${i}`] = Math.max(...list);
    rows.push(`(app_id = {app${i}:String} AND start_time >= toDateTime({first${i}:UInt32}, 'UTC') AND start_time < toDateTime({last${i}:UInt32} + 3600, 'UTC')
      AND toUnixTimestamp(toStartOfHour(toDateTime(start_time, 'UTC'))) IN {hours${i}:Array(UInt32)})`);
    counted.push(`(app_id = {app${i}:String} AND toUnixTimestamp(bucket) IN {hours${i}:Array(UInt32)})`);
  });
  return {
    sql: `INSERT INTO ${PIPELINE_COUNTS}${suffix} (app_id, pipeline, environment, bucket, executions, failed, version)
SELECT app_id, pipeline, environment, bucket, sum(n), sum(f), now64(6)
FROM (
  SELECT app_id, pipeline, environment, toStartOfHour(toDateTime(start_time, 'UTC')) AS bucket, count() AS n, countIf(status = 'failed') AS f
  FROM executions${suffix} FINAL
  WHERE ${rows.join('\n    OR ')}
  GROUP BY app_id, pipeline, environment, bucket
  UNION ALL
  SELECT app_id, pipeline, environment, bucket, toUInt64(0) AS n, toUInt64(0) AS f
  FROM ${PIPELINE_COUNTS}${suffix} FINAL
  WHERE executions > 0 AND (${counted.join('\n    OR ')})
)
GROUP BY app_id, pipeline, environment, bucket
${READ_FINAL}`,
    params,
  };
}

/** Recounts `hours` (rollups.ts `recountHoursSql`), RECOUNT_HOURS_PER_STATEMENT at a time. */
export async function recountHours(backend: ClickHouseBackend, hours: readonly AppHour[], suffix = ''): Promise<void> {
  for (let i = 0; i < hours.length; i += RECOUNT_HOURS_PER_STATEMENT) {
    const { sql, params } = recountHoursSql(hours.slice(i, i + RECOUNT_HOURS_PER_STATEMENT), suffix);
    await backend.command(sql, params);
  }
}

/**
 * Folds the rows stored since `{from:Int64}` (ms since the epoch) into `rollup`, as a pass does.
 *
 * @example
 * await backend.command(foldSql('pipeline_stats_1h'), { from: watermarkMillis });
 */
export function foldSql(rollup: keyof typeof ROLLUPS, suffix = ''): string {
  const columns = ROLLUPS[rollup];
  return `INSERT INTO ${rollup}${suffix} (${columns}) SELECT ${columns} FROM ${rollup}_pending_since${suffix}(since = fromUnixTimestamp64Milli({from:Int64}, 'UTC'))`;
}

export const DEFAULT_ROLLUP_INTERVAL_MILLIS = 5_000;
/** This process sees all of its own inserts: a margin for clock rounding only. */
export const DEFAULT_ROLLUP_LAG_MILLIS_EMBEDDED = 1_000;
/** Other collectors' inserts (async inserts included) are visible within this. */
export const DEFAULT_ROLLUP_LAG_MILLIS_SERVER = 30_000;

/**
 * What a reader puts after FROM to read `rollup` exactly: the rollup alone
 * when nothing is pending, else the rollup and the rows stored since
 * `pendingSince` as the same states (bound as `{pendingSince:Int64}`).
 *
 * @example
 * const params = { appId };
 * const from = rollupSource('step_stats_1h', job.pendingSince(), params);
 * // '(SELECT ... FROM step_stats_1h UNION ALL SELECT ... FROM step_stats_1h_pending_since(since = ...))'
 */
export function rollupSource(rollup: keyof typeof ROLLUPS, pendingSince: number | undefined, params: Record<string, unknown>): string {
  if (pendingSince === undefined) return rollup;
  params.pendingSince = pendingSince;
  const columns = ROLLUPS[rollup];
  return `(SELECT ${columns} FROM ${rollup}
  UNION ALL SELECT ${columns} FROM ${rollup}_pending_since(since = fromUnixTimestamp64Milli({pendingSince:Int64}, 'UTC')))`;
}

export interface RollupJobOptions {
  /** Time between passes; 0 runs none on its own (`run()` still works). */
  intervalMillis: number;
  /** How long after its inserted_at a row stored by another process may still become visible. */
  lagMillis: number;
  /** Start (ms since the epoch) of the oldest insert this process has running, if any. */
  oldestInsertStart?: () => number | undefined;
  /**
   * End (ms since the epoch) of the latest insert this process made, stored or not. With
   * `soleWriter`, it tells `pendingSince()` when no row can be past the watermark.
   */
  lastInsertEnd?: () => number | undefined;
  /** This process makes every insert into `steps` and `executions` (the embedded engine: one process per data folder). */
  soleWriter?: boolean;
  /** Appended to every table and view name: bench/lib/rollup-cost.js times passes over copies of them. */
  suffix?: string;
}

export interface RollupHooks {
  onPass?: (pass: RollupPass) => void;
  onError?: (error: unknown) => void;
}

export interface RollupPass {
  /** The watermark before and after the pass, ms since the epoch. */
  fromMillis: number;
  throughMillis: number;
  /** How long the pass took. */
  millis: number;
}

export interface RollupJob {
  /** One pass now, after any pass or exclusive work already running. */
  run(): Promise<RollupPass>;
  /** Runs `work` with no pass running meanwhile. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** The watermark as last read or moved by this process (0 before `load()` or the first pass). */
  readonly throughMillis: number;
  /** Reads the watermark (at start-up, before the first pass). */
  load(): Promise<void>;
  /**
   * Where a reader must start reading raw rows (ms since the epoch, for the
   * `since` of `<rollup>_pending_since`), or undefined when this process
   * knows no stored row is past the watermark (sole writer, no insert since
   * its last pass): the rollup alone is then exact.
   */
  pendingSince(): number | undefined;
  /** Runs a pass now and then every `intervalMillis`, reporting each to `hooks`. */
  start(hooks?: RollupHooks): void;
  /** Stops the timer and waits for a pass in flight. */
  stop(): Promise<void>;
}

/**
 * @example
 * const job = createRollupJob(backend, { intervalMillis: 5_000, lagMillis: 1_000, oldestInsertStart: () => batcher.oldestInsertStart });
 * job.start();
 */
export function createRollupJob(backend: ClickHouseBackend, options: RollupJobOptions): RollupJob {
  let queue: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<unknown> | undefined;
  let throughMillis = 0;
  // Rows of an earlier process are all older than this one's start; only a watermark past it vouches for them.
  const startedAt = Date.now();
  const suffix = options.suffix ?? '';
  const watermark = `SELECT toString(toUnixTimestamp64Milli(min(through))) AS through, toString(toUnixTimestamp64Milli(now64(3))) AS now
FROM (SELECT name, max(through) AS through FROM rollup_progress${suffix} WHERE name IN {names:Array(String)} GROUP BY name)`;
  const names = [...WATERMARKS];

  function serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  }

  /** True when no row of `steps` or `executions` was stored at or after `fromMillis`. */
  async function nothingSince(fromMillis: number): Promise<boolean> {
    if (pendingSince() === undefined) return true;
    // The sole writer saw an insert end since: rows are there to fold (or, if it failed, the folds find none),
    // and counting them would cost every pass under ingest a statement over the new parts.
    if (options.soleWriter && (options.lastInsertEnd?.() ?? Number.NEGATIVE_INFINITY) >= fromMillis) return false;
    const [row] = await backend.query<{ n: string }>(
      `SELECT toString((SELECT count() FROM executions${suffix} WHERE inserted_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
  + (SELECT count() FROM steps${suffix} WHERE inserted_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC'))) AS n`,
      { from: fromMillis },
    );
    return row.n === '0';
  }

  function pendingSince(): number | undefined {
    if (!options.soleWriter || throughMillis <= startedAt || options.oldestInsertStart?.() !== undefined) return throughMillis;
    const lastEnd = options.lastInsertEnd?.();
    return lastEnd !== undefined && lastEnd >= throughMillis ? throughMillis : undefined;
  }

  async function pass(): Promise<RollupPass> {
    const started = performance.now();
    const [row] = await backend.query<{ through: string; now: string }>(watermark, { names });
    const fromMillis = Number(row.through);
    throughMillis = Math.max(throughMillis, fromMillis);
    const oldest = options.oldestInsertStart?.();
    const through = Math.min(Number(row.now) - options.lagMillis, oldest ?? Number.POSITIVE_INFINITY);
    if (await nothingSince(fromMillis)) {
      // An idle store gets no insert and no new part. Every row before `through` is visible, and none is
      // at or after `fromMillis`: this process's readers may start at `through` (the stored watermark stays).
      throughMillis = Math.max(throughMillis, through);
      return { fromMillis, throughMillis, millis: performance.now() - started };
    }
    for (const rollup of Object.keys(ROLLUPS) as (keyof typeof ROLLUPS)[]) await backend.command(foldSql(rollup, suffix), { from: fromMillis });
    // The hours the new rows fall in, recounted from the rows (every version folded into the sets counts there).
    const touched = await backend.query<{ app_id: string; hour: string }>(
      `SELECT DISTINCT app_id, toString(toUnixTimestamp(toStartOfHour(toDateTime(start_time, 'UTC')))) AS hour
FROM executions${suffix} WHERE inserted_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
ORDER BY app_id, hour`,
      { from: fromMillis },
    );
    await recountHours(backend, touched.map((row) => ({ appId: row.app_id, hour: Number(row.hour) })), suffix);
    if (through > fromMillis) {
      await backend.command(
        `INSERT INTO rollup_progress${suffix} (name, through) SELECT arrayJoin({names:Array(String)}), fromUnixTimestamp64Milli({through:Int64}, 'UTC')`,
        { names, through },
      );
    }
    throughMillis = Math.max(throughMillis, through);
    return { fromMillis, throughMillis, millis: performance.now() - started };
  }

  return {
    async load() {
      const [row] = await backend.query<{ through: string }>(watermark, { names });
      throughMillis = Math.max(throughMillis, Number(row.through));
    },
    pendingSince,
    run: () => serialized(pass),
    exclusive: (work) => serialized(work),
    get throughMillis() {
      return throughMillis;
    },
    start(hooks = {}) {
      if (options.intervalMillis <= 0 || timer) return;
      const tick = () => {
        // A pass slower than the interval makes the next tick wait, not queue up.
        if (ticking) return;
        ticking = serialized(pass)
          .then((done) => hooks.onPass?.(done), (error: unknown) => hooks.onError?.(error))
          .finally(() => {
            ticking = undefined;
          });
      };
      // At once first: rows an earlier process stored after its last pass are folded in before the first interval.
      tick();
      timer = setInterval(tick, options.intervalMillis);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await queue;
    },
  };
}
