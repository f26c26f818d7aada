/**
 * Follows an export as its bytes arrive: counts complete records (NDJSON and
 * JSON lines, CSV records, whose quoted fields may hold newlines) and
 * remembers the last execution known to be complete, so an export that stops
 * can say exactly where, and how to fetch the rest (`--cursor`). Pure.
 */

export type ExportFormat = 'ndjson' | 'csv' | 'json';

export interface ExportPosition {
  executionId: string;
  startTimeUnixNano: string;
}

export interface ExportTracker {
  /** Feeds the next piece of the body. */
  push(text: string): void;
  /** Complete records so far (CSV: not counting the header). */
  readonly records: number;
  /** The last execution all of whose records have arrived, if any. */
  readonly lastComplete: ExportPosition | undefined;
}

/** The first two fields of a CSV record. */
function csvLeadingFields(record: string): [string, string] {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 2 && i <= record.length) {
    if (record[i] === '"') {
      let value = '';
      i++;
      while (i < record.length) {
        if (record[i] === '"' && record[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (record[i] === '"') {
          i++;
          break;
        } else {
          value += record[i++];
        }
      }
      fields.push(value);
      i++; // the comma
    } else {
      const comma = record.indexOf(',', i);
      const end = comma === -1 ? record.length : comma;
      fields.push(record.slice(i, end).replace(/\r$/, ''));
      i = end + 1;
    }
  }
  return [fields[0] ?? '', fields[1] ?? ''];
}

/** The cursor of GET /api/v1/executions and /api/v1/export for "after this execution". */
export function toCursor(position: ExportPosition): string {
  return Buffer.from(JSON.stringify([position.startTimeUnixNano, position.executionId])).toString('base64url');
}

/**
 * @example
 * const tracker = createExportTracker('csv', { steps: true });
 * tracker.push(chunkText); tracker.records; tracker.lastComplete;
 */
export function createExportTracker(format: ExportFormat, options: { steps: boolean }): ExportTracker {
  let records = 0;
  let lastComplete: ExportPosition | undefined;
  let partial = '';
  let inQuotes = false;
  let headerSeen = false;
  /** CSV with steps: the execution whose rows are arriving (complete once another one starts). */
  let current: ExportPosition | undefined;

  function onRecord(record: string): void {
    if (format === 'csv') {
      if (!headerSeen) {
        headerSeen = true;
        return;
      }
      records++;
      const [executionId, startTimeUnixNano] = csvLeadingFields(record);
      const position = { executionId, startTimeUnixNano };
      if (!options.steps) lastComplete = position;
      else {
        if (current && current.executionId !== executionId) lastComplete = current;
        current = position;
      }
      return;
    }
    const line = record.trim().replace(/^\[/, '').replace(/,$/, '').trim();
    if (!line.startsWith('{')) return;
    records++;
    try {
      const parsed = JSON.parse(line) as { executionId?: unknown; startTimeUnixNano?: unknown };
      if (typeof parsed.executionId === 'string' && typeof parsed.startTimeUnixNano === 'string') {
        lastComplete = { executionId: parsed.executionId, startTimeUnixNano: parsed.startTimeUnixNano };
      }
    } catch {
      // Not a record this tool knows; it still counts as received.
    }
  }

  return {
    get records() {
      return records;
    },
    get lastComplete() {
      return lastComplete;
    },
    push(text) {
      let start = 0;
      if (format !== 'csv') {
        let newline: number;
        while ((newline = text.indexOf('\n', start)) !== -1) {
          onRecord(partial + text.slice(start, newline));
          partial = '';
          start = newline + 1;
        }
        partial += text.slice(start);
        return;
      }
      for (let i = 0; i < text.length; i++) {
        const char = text.charCodeAt(i);
        if (char === 34 /* " */) inQuotes = !inQuotes;
        else if (char === 10 /* \n */ && !inQuotes) {
          onRecord(partial + text.slice(start, i));
          partial = '';
          start = i + 1;
        }
      }
      partial += text.slice(start);
    },
  };
}
