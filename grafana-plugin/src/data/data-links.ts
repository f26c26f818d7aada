/**
 * Data links from the Overview's charts to the executions behind them: each
 * series gets a link (Grafana shows it in the tooltip of a clicked point) to
 * the Executions page with the same time range, refresh and time zone, the
 * page's filters, and the series' own pipeline or status. The URLs are built
 * here, complete, so they hold no `${...}` for Grafana to interpolate.
 */
import type { DataFrame, DataLink } from '@grafana/data';

/** Query parameters a series adds to the Executions link (pipeline, status...). */
export type SeriesFilter = Record<string, string | undefined>;

/**
 * Copies the frames with one data link on every number field.
 *
 * @example
 * withExecutionLinks(frames, (frame) => ({ pipeline: frame.name, status: 'failed' }), (params) => link('/a/x/executions', params))
 */
export function withExecutionLinks(
  frames: DataFrame[],
  filterFor: (frame: DataFrame, fieldName: string) => SeriesFilter,
  linkTo: (params: SeriesFilter) => string,
  title: (frame: DataFrame, fieldName: string) => string
): DataFrame[] {
  return frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((field) => {
      if (field.type !== 'number') {
        return field;
      }
      const link: DataLink = { title: title(frame, field.name), url: linkTo(filterFor(frame, field.name)) };
      return { ...field, config: { ...field.config, links: [link] } };
    }),
  }));
}
