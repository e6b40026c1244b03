import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface BarSeries {
  name: string;
  values: number[];
}

/** A bar chart (stacked when several series); loaded lazily with ECharts' modular build. */
export default function BarChartView({ categories, series, label }: { categories: string[]; series: BarSeries[]; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: series.length > 1 ? { type: 'scroll', bottom: 0 } : undefined,
      grid: { left: 40, right: 12, top: 12, bottom: series.length > 1 ? 56 : 28, containLabel: true },
      xAxis: { type: 'category', data: categories },
      yAxis: { type: 'value', minInterval: 1 },
      series: series.map((s) => ({ type: 'bar', name: s.name, data: s.values, stack: series.length > 1 ? 'all' : undefined })),
    });
    // Follows its own box (a viewport change, a panel that narrows), not only the window.
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(el.current);
    return () => {
      observer.disconnect();
      chart.dispose();
    };
  }, [categories, series]);
  return <div ref={el} className="chart" role="img" aria-label={label} />;
}
