import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

/** One line of a {@link TimeChart}. */
export interface ChartSeries {
  label: string;
  /** A CSS colour. */
  color: string;
  /** One value per time of the chart's `times` (null: a gap). */
  values: (number | null)[];
}

/** Props of {@link TimeChart}. */
export interface TimeChartProps {
  title: string;
  /** The unit of the values, shown on the y axis, e.g. "tasks" or "ms". */
  unit: string;
  /** Seconds since the epoch, ascending. */
  times: number[];
  series: ChartSeries[];
  /** Height in CSS pixels; default 220. The width follows the container. */
  height?: number;
}

/**
 * A time-series line chart (uPlot, drawn on a canvas). The chart is made
 * once and given new data on each render; it is made again only when the
 * set of series changes, and resized when its container is.
 */
export function TimeChart({ title, unit, times, series, height = 220 }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot>(undefined);
  const shape = series.map((s) => `${s.label}:${s.color}`).join("|");
  const data: uPlot.AlignedData = [times, ...series.map((s) => s.values)];

  useEffect(() => {
    const el = box.current!;
    const options: uPlot.Options = {
      title,
      width: Math.max(300, el.clientWidth),
      height,
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } }))],
      axes: [{}, { label: unit, size: 60 }],
      scales: { y: { range: (_u, min, max) => [0, Math.max(1, max, min)] } },
      legend: { live: true },
    };
    const plot = new uPlot(options, data, el);
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = undefined;
    };
    // Made again only when the series (or the fixed texts) change; data changes go through setData below.
  }, [shape, title, unit, height]);

  useEffect(() => {
    chart.current?.setData(data);
  });

  return <div class="chart" ref={box} role="img" aria-label={title} />;
}
