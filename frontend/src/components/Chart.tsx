import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One data series of a chart. */
export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

/**
 * A chart drawn in the browser with uPlot (bundled, no CDN; it sets styles
 * through the DOM, never inline style attributes, so the strict CSP holds).
 * `x` are the x positions (time in seconds, or indexes with `labels`); bars or
 * lines. The chart is an image for assistive technology: the table next to it
 * carries the same numbers.
 */
export function Chart({
  label,
  x,
  series,
  kind,
  labels,
  time = false,
  timeZone,
  testId,
}: {
  label: string;
  x: number[];
  series: ChartSeries[];
  /** Bars take one or two series; lines any number. */
  kind: 'bars' | 'lines';
  /** Axis labels for index positions (categories). */
  labels?: string[];
  time?: boolean;
  /** The tenant's zone for time axes. */
  timeZone?: string | undefined;
  testId: string;
}) {
  const host = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = Math.max(280, Math.min(900, element.clientWidth || 640));
    const options: uPlot.Options = {
      width,
      height: 260,
      legend: { show: false },
      ...(time && timeZone ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), timeZone) } : {}),
      cursor: { show: false },
      scales: {
        x: { time, ...(labels ? { range: (): uPlot.Range.MinMax => [-0.5, Math.max(0.5, x.length - 0.5)] } : {}) },
        y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, Math.ceil(max * 1.1))] },
      },
      axes: [
        labels
          ? { splits: () => x, values: (_u: uPlot, splits: number[]) => splits.map((i) => labels[i] ?? ''), stroke: '#333' }
          : { stroke: '#333' },
        { stroke: '#333' },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color,
          ...(kind === 'bars' ? { fill: s.color } : {}),
          width: kind === 'bars' ? 0 : 2,
          points: { show: kind === 'lines' },
          ...(kind === 'bars'
            ? {
                // Up to two series side by side: the first left of its position, the second right.
                paths: uPlot.paths.bars!({
                  size: [series.length > 1 ? 0.35 : 0.6, 48],
                  align: series.length > 1 ? (i === 0 ? -1 : 1) : 0,
                }),
              }
            : {}),
        })),
      ],
    };
    const chart = new uPlot(options, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    return () => chart.destroy();
  }, [x, series, kind, labels, time, timeZone]);
  return <div className="chart" ref={host} role="img" aria-label={label} data-testid={testId} />;
}
