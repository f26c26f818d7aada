/**
 * The list head: each recently listed app's newest executions, in memory,
 * kept as the executions list's first pages read them.
 *
 * A first page of the list (newest first, by pipeline, status, environment or
 * id prefix) costs ClickHouse two statements, a page and its steps' counts,
 * over today's partition, which is never settled. The head holds the app's
 * newest `maxRows` executions as the list shows them (summary columns and
 * stored counts, read with the list's own queries), so such a page is a
 * filter over an array.
 *
 * What makes an answer exact:
 *  - Coverage. Every execution started after `floorNs` is in the head (the
 *    build reads the newest rows; trimming raises the floor). A page is
 *    answered when it fills with rows above the floor, or when its whole
 *    window lies above it; else ClickHouse answers.
 *  - Ingest. Every insert names the executions it wrote and those whose root
 *    it wrote, with the rows it held as objects (the batcher's `onFlush`,
 *    before the writer's 200). An execution whose every row so far is in
 *    that insert (one root, its steps counted in one place, none refused or
 *    re-delivered within it) is added from those rows, as the list's
 *    statements would read it: its first write needs no read. The head knows
 *    such an execution is new because it has seen every write since it was
 *    made (`seen`), and its build listed the executions having steps it does
 *    not hold (steps stored before their root). Any other root, or steps of
 *    an execution the head holds or has pending, marks it pending, and a read
 *    first re-reads the pending ones (their newest version and counts). A
 *    mark made while that re-read runs stays pending.
 *  - Everything else drops the app's head: a deletion (before and after), too
 *    many pending executions (then ClickHouse answers the app's pages for a
 *    while: a busy app is written faster than it is listed), too many
 *    executions written that it could not take from ingest, a failed read.
 *    Rows past the retention are never served. Only the embedded engine,
 *    where this process is the only writer.
 *
 * Ids sort as ClickHouse sorts Strings, by UTF-8 bytes (code points), not by
 * JavaScript's UTF-16 code units.
 */
import type { ExecutionRow, StepTotals } from '../contracts/rows.js';
import { dateTime64ToNanos } from '../model/time.js';
import { applyStoredCounts } from '../store/executions.js';
import type { Cursor, ExecutionSummaryRecord, FlushInfo } from '../store/index.js';
import { stepTotalsOf } from '../store/step-totals.js';
import { compareCodePoints } from '../store/string-order.js';

/** The list's filters the head answers; any other filter goes to ClickHouse. */
export interface ListHeadQuery {
  fromMillis: number;
  toMillis: number;
  pipeline?: string;
  status?: string;
  environment?: string;
  idPrefix?: string;
}

export interface ListHeadSource {
  newestSummaries(appId: string, fromMillis: number, limit: number): Promise<ExecutionSummaryRecord[]>;
  summariesOf(appId: string, ids: readonly string[], afterNanos: bigint): Promise<ExecutionSummaryRecord[]>;
  executionsWithStepsSince(appId: string, fromNanos: bigint, limit: number): Promise<string[]>;
}

/** What an insert wrote, as the batcher reports it. */
export type ListHeadWrite = Pick<FlushInfo, 'touched' | 'roots' | 'opaque' | 'executions' | 'steps' | 'stepTotals'>;

export interface ListHeadOptions {
  source: ListHeadSource;
  /** Executions kept per app. */
  maxRows: number;
  /** Apps with a head; the least recently listed one is dropped for a new one. */
  maxApps: number;
  /** Rows that started before this (ms since the epoch, the retention) are never served. */
  horizonMillis: () => number;
  /**
   * Executions written since the last read past which the app's head is
   * dropped (1,000 when omitted): re-reading that many costs more than
   * ClickHouse's page. The app's pages then go to ClickHouse for
   * `busyMillis` (5 minutes when omitted) before a read builds it again, so
   * an app written faster than it is listed pays a build at most that often.
   */
  maxPending?: number;
  busyMillis?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

export interface ListHeadStats {
  /** Pages answered from the head. */
  hits: number;
  /** Pages the head could not answer (ClickHouse did). */
  misses: number;
  builds: number;
  refreshes: number;
  /** Executions added from an insert's own rows, without a read. */
  fromIngest: number;
}

export interface ListHead {
  /** A page of `limit` rows newest first after `after`, or undefined when ClickHouse must answer. */
  list(appId: string, query: ListHeadQuery, limit: number, after?: Cursor): Promise<ExecutionSummaryRecord[] | undefined>;
  /**
   * An insert stored rows (the batcher's `onFlush`): new executions whose
   * rows are all in it are added; the others are marked as `touched` does.
   */
  wrote(write: ListHeadWrite): void;
  /**
   * An insert wrote a row of this execution: its root (`root`), or only
   * steps. Steps alone change no page unless the head holds the execution or
   * has it pending: an execution it does not hold either has no stored root
   * (the list shows it once its root is written, which marks it) or started
   * before what the head covers.
   */
  touched(appId: string, executionId: string, root: boolean): void;
  /** Drops the app's head (a deletion). */
  forgetApp(appId: string): void;
  readonly stats: ListHeadStats;
  /** Executions held, over every app. */
  readonly rows: number;
}

interface Entry {
  startNs: bigint;
  record: ExecutionSummaryRecord;
}

interface AppHead {
  /** Newest first, as the list orders. */
  entries: Entry[];
  /** Every execution started after this is in `entries`. */
  floorNs: bigint;
  /** Executions written since they were read, with the mark of their latest write. */
  pending: Map<string, number>;
  built: boolean;
  /** The build, then each refresh, one at a time. */
  queue: Promise<void>;
  /**
   * Per filtered field, the positions in `entries` of each value, ascending
   * (newest first): a page for a value reads its own executions, not all of
   * them. Made at the first page after `entries` changed.
   */
  positions?: Map<FilteredField, Map<string, number[]>>;
  /** The ids in `entries` and `fresh`, made at the first look-up after `entries` changed. */
  ids?: Set<string>;
  /**
   * Executions added from ingest since `entries` last changed, newest first:
   * kept apart so that adding one leaves `positions` and `ids` standing;
   * folded into `entries` past FRESH_FOLD, or by a refresh.
   */
  fresh: Entry[];
  /**
   * Executions the head cannot take from an insert's rows alone, as they
   * have rows it does not hold: every execution written since the head was
   * made, those its build found steps of, and those it cut. Undefined when
   * there were too many to keep (a busy app): then it takes none from ingest.
   */
  seen?: Set<string>;
}

/** The fields a page filters by equality. */
type FilteredField = 'pipeline' | 'status' | 'environment';
const FILTERED_FIELDS: readonly FilteredField[] = ['pipeline', 'status', 'environment'];

/** Executions kept per app when XRAY_LIST_HEAD_ROWS is unset: a first page filtered to 1 row in 240 (a pipeline of 12, failed 5% of the time) still fills from it. */
export const DEFAULT_LIST_HEAD_ROWS = 20_000;
/** Apps with a head at once. */
export const LIST_HEAD_APPS = 4;

const NANOS_PER_MILLI = 1_000_000n;
/** The slack around an execution within which its steps are counted (storedCountsQuery's 1 day). */
const DAY_NANOS = 86_400_000_000_000n;
/** Executions added from ingest kept apart (at most maxRows) before they join the sorted entries. */
const FRESH_FOLD = 256;

/** Newest first: by start time, then id, both descending. */
function newestFirst(a: Entry, b: Entry): number {
  if (a.startNs !== b.startNs) return a.startNs > b.startNs ? -1 : 1;
  return compareCodePoints(b.record.execution_id, a.record.execution_id);
}

function toEntry(record: ExecutionSummaryRecord): Entry {
  return { startNs: BigInt(record.start_ns), record };
}

function push<T>(to: Map<string, T[]>, key: string, value: T): void {
  const list = to.get(key);
  if (list) list.push(value);
  else to.set(key, [value]);
}

/** Two newest-first arrays as one. */
function merge(a: Entry[], b: Entry[]): Entry[] {
  if (b.length === 0) return a;
  const out: Entry[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = newestFirst(a[i], b[j]) <= 0 ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/** The first index of `items` where `past` holds (it holds from there on: `items` are in that order), or items.length. */
function firstWhere<T>(items: readonly T[], past: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (past(items[middle])) high = middle;
    else low = middle + 1;
  }
  return low;
}

function matches(record: ExecutionSummaryRecord, query: ListHeadQuery): boolean {
  return (
    (!query.pipeline || record.pipeline === query.pipeline) &&
    (!query.status || record.status === query.status) &&
    (!query.environment || record.environment === query.environment) &&
    (!query.idPrefix || record.execution_id.startsWith(query.idPrefix))
  );
}

/**
 * The summary the list's statements read for an execution whose stored rows
 * are exactly `root` and steps counted as `totals` (newestSummaries with
 * withStoredCounts), or undefined when the steps hold something those
 * statements settle their own way: a step re-delivered among them, or one
 * outside the counting window.
 */
export function summaryOfRows(root: ExecutionRow, totals: StepTotals | undefined): ExecutionSummaryRecord | undefined {
  const startNs = dateTime64ToNanos(root.start_time);
  const endNs = dateTime64ToNanos(root.end_time);
  if (totals) {
    if (totals.repeated) return undefined;
    if (dateTime64ToNanos(totals.firstStart) < startNs - DAY_NANOS || dateTime64ToNanos(totals.lastStart) > endNs + DAY_NANOS) return undefined;
  }
  const record: ExecutionSummaryRecord = {
    execution_id: root.execution_id,
    trace_id: root.trace_id,
    pipeline: root.pipeline,
    environment: root.environment,
    service_name: root.service_name,
    status: root.status,
    start_ns: startNs.toString(),
    end_ns: endNs.toString(),
    duration_ms: root.duration_ms,
    step_count: root.step_count,
    error_count: root.error_count,
    dropped_steps: root.dropped_steps,
    error_message: root.error_message,
  };
  // As the list's statements: totals exist only for stored steps.
  applyStoredCounts(record, totals);
  return record;
}

/**
 * @example
 * const head = createListHead({ source: store.executions, maxRows: 20_000, maxApps: 4, horizonMillis: () => Date.now() - 30 * 86_400_000 });
 * const page = (await head.list('default', { fromMillis, toMillis, status: 'failed' }, 51)) ?? (await store.executions.list(...));
 */
export function createListHead(options: ListHeadOptions): ListHead {
  const { source, maxRows, maxApps } = options;
  const maxPending = options.maxPending ?? 1000;
  const busyMillis = options.busyMillis ?? 300_000;
  const now = options.now ?? Date.now;
  const heads = new Map<string, AppHead>();
  /** Apps whose head overflowed, until when their pages go to ClickHouse without a build. */
  const busyUntil = new Map<string, number>();
  const stats: ListHeadStats = { hits: 0, misses: 0, builds: 0, refreshes: 0, fromIngest: 0 };
  /**
   * Executions a head keeps apart as not takeable from ingest: past this many
   * written since its build it is dropped (the next read builds it again);
   * past this many found by its build, it takes none from ingest.
   */
  const maxSeen = Math.max(10_000, 4 * maxRows);
  let mark = 0;

  const horizonNs = () => BigInt(Math.floor(options.horizonMillis())) * NANOS_PER_MILLI;

  /** New entries for `head` (the fresh ones among them); what was derived from the old ones is made again when asked for. */
  function replaceEntries(head: AppHead, entries: Entry[]): void {
    head.entries = entries;
    head.fresh = [];
    head.positions = undefined;
    head.ids = undefined;
  }

  /**
   * Drops the entries started at or before `floor` (a cut row's start-time
   * twins among them), which becomes the floor. A cut execution has rows the
   * head no longer holds.
   */
  function raiseFloor(head: AppHead, floor: bigint): void {
    let keep = head.entries.length;
    while (keep > 0 && head.entries[keep - 1].startNs <= floor) head.seen?.add(head.entries[--keep].record.execution_id);
    head.entries.length = keep;
    if (floor > head.floorNs) head.floorNs = floor;
  }

  /** The fresh entries joined to the others, then cut to maxRows. */
  function fold(head: AppHead): void {
    if (head.fresh.length > 0) replaceEntries(head, merge(head.entries, head.fresh));
    if (head.entries.length > maxRows) raiseFloor(head, head.entries[maxRows].startNs);
  }

  async function build(appId: string, head: AppHead): Promise<void> {
    const fromMillis = options.horizonMillis();
    const records = await source.newestSummaries(appId, fromMillis, maxRows);
    stats.builds++;
    replaceEntries(head, records.map(toEntry).sort(newestFirst));
    // All of the app's rows since the horizon, or the newest maxRows of them.
    head.floorNs = BigInt(fromMillis) * NANOS_PER_MILLI - 1n;
    if (records.length >= maxRows) raiseFloor(head, head.entries[head.entries.length - 1].startNs);
    // Steps stored before their root, of any execution a root may yet bring above the floor (whose steps are
    // counted from a day before it starts): ingest alone cannot count them.
    head.ids = new Set(head.entries.map((entry) => entry.record.execution_id));
    const withSteps = await source.executionsWithStepsSince(appId, head.floorNs - DAY_NANOS, maxSeen + maxRows);
    if (withSteps.length < maxSeen + maxRows) {
      for (const id of withSteps) if (!head.ids.has(id)) head.seen?.add(id);
    } else head.seen = undefined;
    head.built = true;
  }

  async function refresh(appId: string, head: AppHead): Promise<void> {
    if (head.pending.size === 0) return;
    const marks = new Map(head.pending);
    const ids = [...marks.keys()];
    const records = await source.summariesOf(appId, ids, head.floorNs);
    stats.refreshes++;
    const written = new Set(ids);
    const kept = merge(head.entries, head.fresh).filter((entry) => !written.has(entry.record.execution_id));
    replaceEntries(head, merge(kept, records.map(toEntry).sort(newestFirst)));
    // At most maxRows: the floor rises past what is cut.
    fold(head);
    // A write marked while the read ran may not be in what it read: it stays pending.
    for (const [id, seen] of marks) if (head.pending.get(id) === seen) head.pending.delete(id);
  }

  /** Runs `work` after what the head is doing; a failure drops the head (ClickHouse answers until it is built again). */
  function enqueue(appId: string, head: AppHead, work: () => Promise<void>): Promise<void> {
    head.queue = head.queue.then(work).catch(() => {
      if (heads.get(appId) === head) heads.delete(appId);
    });
    return head.queue;
  }

  function headOf(appId: string): AppHead | undefined {
    const known = heads.get(appId);
    if (known) {
      // Most recently listed last: the first is the one dropped.
      heads.delete(appId);
      heads.set(appId, known);
      return known;
    }
    const busy = busyUntil.get(appId);
    if (busy !== undefined) {
      if (now() < busy) return undefined;
      busyUntil.delete(appId);
    }
    const head: AppHead = { entries: [], fresh: [], seen: new Set(), floorNs: 0n, pending: new Map(), built: false, queue: Promise.resolve() };
    heads.set(appId, head);
    while (heads.size > maxApps) heads.delete(heads.keys().next().value as string);
    void enqueue(appId, head, () => build(appId, head));
    return head;
  }

  /** Whether `head` holds a row of the execution (before its build: it may, so yes). */
  function holds(head: AppHead, executionId: string): boolean {
    if (!head.built) return true;
    head.ids ??= new Set([...head.entries, ...head.fresh].map((entry) => entry.record.execution_id));
    return head.ids.has(executionId);
  }

  /**
   * Adds an execution whose every stored row is `root` and the steps counted
   * in `totals`, written by one insert; false when the head cannot tell that
   * they are (it has seen, holds or has pending other rows of it) or the
   * list's statements would read them their own way.
   */
  function addFresh(head: AppHead, root: ExecutionRow, totals: StepTotals | undefined): boolean {
    const id = root.execution_id;
    if (!head.built || !head.seen || head.seen.has(id) || head.pending.has(id) || holds(head, id)) return false;
    const record = summaryOfRows(root, totals);
    if (!record) return false;
    const entry = toEntry(record);
    // Below what the head covers, no page it answers shows it; it has rows the head does not hold.
    if (entry.startNs <= head.floorNs) {
      head.seen.add(id);
      return true;
    }
    head.fresh.splice(firstWhere(head.fresh, (other) => newestFirst(other, entry) > 0), 0, entry);
    head.ids?.add(id);
    stats.fromIngest++;
    // Folding remakes the positions at the next page: a full head holds up to that many more for a while.
    if (head.fresh.length > Math.min(FRESH_FOLD, maxRows)) fold(head);
    return true;
  }

  /** The positions of the executions having the query's rarest filtered value, or undefined when it filters no field. */
  function narrowest(head: AppHead, query: ListHeadQuery): readonly number[] | undefined {
    let best: readonly number[] | undefined;
    for (const field of FILTERED_FIELDS) {
      const value = query[field];
      if (!value) continue;
      head.positions ??= new Map();
      let byValue = head.positions.get(field);
      if (!byValue) {
        byValue = new Map();
        head.entries.forEach((entry, position) => {
          const key = entry.record[field];
          const list = byValue!.get(key);
          if (list) list.push(position);
          else byValue!.set(key, [position]);
        });
        head.positions.set(field, byValue);
      }
      const positions = byValue.get(value) ?? [];
      if (!best || positions.length < best.length) best = positions;
    }
    return best;
  }

  /** The page from `head`, or undefined when rows it does not hold could be on it. */
  function answer(head: AppHead, query: ListHeadQuery, limit: number, after: Cursor | undefined): ExecutionSummaryRecord[] | undefined {
    const horizon = horizonNs();
    const lowest = head.floorNs + 1n > horizon ? head.floorNs + 1n : horizon;
    const fromNs = BigInt(query.fromMillis) * NANOS_PER_MILLI;
    const toNs = BigInt(query.toMillis) * NANOS_PER_MILLI;
    const bound = fromNs > lowest ? fromNs : lowest;
    const page = pageOf(head, head.entries, query, limit, after, toNs, bound);
    if (head.fresh.length > 0) {
      // The fresh entries' own page, merged in: newest first, `limit` at most.
      const fresh = pageOf(undefined, head.fresh, query, limit, after, toNs, bound);
      const merged = merge(page.map(toEntry), fresh.map(toEntry));
      page.length = 0;
      for (const entry of merged.slice(0, limit)) page.push(entry.record);
    }
    if (page.length === limit) return page;
    // Short of a full page: exact only if every row of the window is one the head holds.
    return fromNs >= lowest ? page : undefined;
  }

  /**
   * At most `limit` rows of `entries` (newest first) matching `query`, started
   * before `toNs` and after the cursor, at or after `bound`. With `head`, through
   * its positions per filtered value (`entries` are its entries).
   */
  function pageOf(
    head: AppHead | undefined,
    entries: readonly Entry[],
    query: ListHeadQuery,
    limit: number,
    after: Cursor | undefined,
    toNs: bigint,
    bound: bigint,
  ): ExecutionSummaryRecord[] {
    // The entries the window (and the cursor) leave, found by bisection: newest first, so a range.
    let first = firstWhere(entries, (entry) => entry.startNs < toNs);
    if (after) {
      const afterNs = BigInt(after.startNanos);
      first = Math.max(first, firstWhere(entries, (entry) => entry.startNs < afterNs || (entry.startNs === afterNs && compareCodePoints(entry.record.execution_id, after.id) < 0)));
    }
    const end = firstWhere(entries, (entry) => entry.startNs < bound);
    const page: ExecutionSummaryRecord[] = [];
    // Only the executions of the filter's rarest value, when it filters a field; else every one in the range.
    const candidates = head && narrowest(head, query);
    const count = candidates ? candidates.length : end;
    for (let k = candidates ? firstWhere(candidates, (position) => position >= first) : first; k < count; k++) {
      const position = candidates ? candidates[k] : k;
      if (position >= end) break;
      const record = entries[position].record;
      if (!matches(record, query)) continue;
      page.push(record);
      if (page.length === limit) break;
    }
    return page;
  }

  /** Marks what an insert wrote of an execution (see ListHead.touched). */
  function touch(appId: string, executionId: string, root: boolean): void {
    const head = heads.get(appId);
    if (!head) return;
    if (head.seen) {
      head.seen.add(executionId);
      if (head.seen.size > maxSeen) {
        heads.delete(appId);
        return;
      }
    }
    if (!root && !head.pending.has(executionId) && !holds(head, executionId)) return;
    head.pending.set(executionId, ++mark);
    if (head.pending.size > maxPending) {
      heads.delete(appId);
      busyUntil.set(appId, now() + busyMillis);
      if (busyUntil.size > maxApps * 4) busyUntil.delete(busyUntil.keys().next().value as string);
    }
  }

  return {
    async list(appId, query, limit, after) {
      const head = headOf(appId);
      if (!head) {
        stats.misses++;
        return undefined;
      }
      // A refresh can meet new writes; a second one catches up with them, else ClickHouse answers.
      for (let round = 0; round < 3; round++) {
        await head.queue;
        if (heads.get(appId) !== head || !head.built) break;
        if (head.pending.size === 0) {
          const page = answer(head, query, limit, after);
          if (page) {
            stats.hits++;
            return page;
          }
          break;
        }
        await enqueue(appId, head, () => refresh(appId, head));
      }
      stats.misses++;
      return undefined;
    },
    wrote(write) {
      if (heads.size === 0) return;
      const key = (appId: string, executionId: string) => `${appId}\u0000${executionId}`;
      const opaque = new Set(write.opaque.map(([appId, executionId]) => key(appId, executionId)));
      const roots = new Map<string, ExecutionRow[]>();
      for (const row of write.executions ?? []) if (heads.has(row.app_id)) push(roots, key(row.app_id, row.execution_id), row);
      // The steps' totals per execution whose root came: of the rows held as objects, or as a decode worker
      // counted them. An execution counted in more than one place is left to a read (a span may be in both).
      const totals = new Map<string, StepTotals[]>();
      const held = (write.steps ?? []).filter((row) => roots.has(key(row.app_id, row.execution_id)));
      for (const counted of [...stepTotalsOf(held), ...(write.stepTotals ?? [])]) push(totals, key(counted.app_id, counted.execution_id), counted);
      const added = new Set<string>();
      for (const [appId, executionId] of write.roots) {
        const head = heads.get(appId);
        const id = key(appId, executionId);
        const rows = roots.get(id);
        const counted = totals.get(id) ?? [];
        if (head && rows?.length === 1 && counted.length <= 1 && !opaque.has(id) && addFresh(head, rows[0], counted[0])) added.add(id);
      }
      // A root just marked is among those touched: its steps then find it pending.
      for (const [appId, executionId] of write.roots) if (!added.has(key(appId, executionId))) touch(appId, executionId, true);
      for (const [appId, executionId] of write.touched) if (!added.has(key(appId, executionId))) touch(appId, executionId, false);
    },
    touched: touch,
    forgetApp(appId) {
      heads.delete(appId);
    },
    stats,
    get rows() {
      let rows = 0;
      for (const head of heads.values()) rows += head.entries.length + head.fresh.length;
      return rows;
    },
  };
}
