/**
 * A time series drawn by uPlot (canvas, about 50 KB: light enough for a page that redraws every
 * two seconds), sized to its container. Its figure in words beside it, for screen readers and for
 * anyone who cannot read a colour.
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";

export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

const COLOURS = ["#0b5cad", "#b3261e", "#1b7a3a", "#7a4bb3", "#8a5a00", "#00707a"];
const HEIGHT = 160;

interface Props {
  readonly title: string;
  readonly unit: string;
  readonly times: readonly number[];
  readonly series: readonly Series[];
}

function optionsOf(props: Props, width: number): uPlot.Options {
  return {
    width, height: HEIGHT, legend: { show: props.series.length > 1 },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [{ stroke: "#333" }, { stroke: "#333", label: props.unit, size: 60 }],
    series: [{}, ...props.series.map((series, index) => ({ label: series.label, stroke: COLOURS[index % COLOURS.length], width: 2 }))],
  };
}

export function TimeSeriesChart(props: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((series) => series.label).join("|");
  const data = [props.times as number[], ...props.series.map((series) => series.values as number[])] as uPlot.AlignedData;
  useEffect(() => {
    const element = box.current!;
    plot.current = new uPlot(optionsOf(props, element.clientWidth || 300), data, element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: element.clientWidth || 300, height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series change; new points go through setData below.
  }, [shape]);
  useEffect(() => plot.current?.setData(data), [data]);
  const lastOf = (series: Series) => formatFigure(series.values[series.values.length - 1] ?? 0);
  const latest = props.series.length === 1 ? lastOf(props.series[0]!) : props.series.map((series) => `${series.label} ${lastOf(series)}`).join(", ");
  return (
    <figure className="chart">
      <figcaption>{props.title}: {props.times.length === 0 ? <output>no data yet</output> : <><output>{latest}</output> {props.unit}</>}</figcaption>
      <div ref={box} role="img" aria-label={`${props.title} chart, last five minutes`} />
    </figure>
  );
}

function formatFigure(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}
