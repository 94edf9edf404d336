// The benchmark's plots: Vega-Lite specs built from the report (pure), compiled to Vega and
// rendered to SVG headless, then rasterised to PNG with resvg.
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { type TopLevelSpec, compile } from 'vega-lite';
import type { DnsBenchReport } from './report.js';

/** One plot: a file stem, its title and the Vega-Lite spec. */
export interface PlotSpec {
  name: string;
  spec: TopLevelSpec;
}

export interface RenderedPlot {
  name: string;
  svg: string;
  png: Buffer;
}

// DejaVu Sans is what Debian ships; resvg falls back to any system font if it is missing.
const CONFIG = { font: 'DejaVu Sans', view: { stroke: 'transparent' }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 14, anchor: 'start' as const } };

/** Latency CDFs, per query and per lookup side by side, one line per run; log-scale latency. */
export function latencyCdfSpec(report: DnsBenchReport): PlotSpec {
  const values = report.runs.flatMap((r) => [
    ...r.cdf.query.map((p) => ({ run: r.name, measure: 'per query', latencyMs: Math.max(p.latencyMs, 0.001), fraction: p.fraction })),
    ...r.cdf.lookup.map((p) => ({ run: r.name, measure: 'per lookup (whole search-list walk)', latencyMs: Math.max(p.latencyMs, 0.001), fraction: p.fraction })),
  ]);
  return {
    name: 'latency-cdf',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: `DNS latency CDF — ${report.scenario}`, subtitle: `${report.settings.rate} lookups/s target, ${report.clients.length} client pod(s), server ${report.server.host}:${report.server.port}` },
      data: { values },
      config: CONFIG,
      facet: { column: { field: 'measure', type: 'nominal', title: null, sort: ['per query'] } },
      spec: {
        width: 380,
        height: 260,
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'latencyMs', type: 'quantitative', scale: { type: 'log', nice: false }, title: 'latency (ms, log scale)' },
          y: { field: 'fraction', type: 'quantitative', scale: { domain: [0, 1] }, title: 'fraction at or below', axis: { format: '%' } },
          color: { field: 'run', type: 'nominal', sort: report.runs.map((r) => r.name), title: 'run' },
          order: { field: 'fraction', type: 'quantitative' },
        },
      },
    } as TopLevelSpec,
  };
}

/** Queries per lookup of each mix entry, one bar per run, one panel per client pod: the search-list amplification and what ndots / FQDNs do to it. */
export function queriesPerLookupSpec(report: DnsBenchReport): PlotSpec {
  const runs = report.runs.map((r) => r.name);
  const entries = report.comparison.map((c) => `${c.name} ${c.type}`);
  const clients = report.clients.map((c) => `${c.pod} (${c.resolver}, ndots:${c.ndots})`);
  const values = report.runs.flatMap((r) =>
    r.mix.flatMap((m) =>
      m.clients.filter((c) => c.lookups > 0).map((c) => ({ client: clients[c.client], entry: `${m.name} ${m.type}`, run: r.name, queriesPerLookup: c.queriesPerLookup })),
    ),
  );
  return {
    name: 'queries-per-lookup',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: `Queries per lookup — ${report.scenario}`, subtitle: 'each lookup is the full search-list walk of the client pod\'s libc; one panel per client pod' },
      data: { values },
      config: CONFIG,
      facet: { row: { field: 'client', type: 'nominal', sort: clients, title: null, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', labelFontSize: 12, labelFontWeight: 'bold' } } },
      spec: {
        width: 520,
        height: { step: 9 },
        encoding: {
          y: { field: 'entry', type: 'nominal', sort: entries, title: null, axis: { labelLimit: 400 } },
          yOffset: { field: 'run', type: 'nominal', sort: runs },
          x: { field: 'queriesPerLookup', type: 'quantitative', title: 'queries per lookup', scale: { domainMin: 0 } },
          color: { field: 'run', type: 'nominal', sort: runs, title: 'run' },
        },
        layer: [
          { mark: { type: 'bar', height: { band: 1 } } },
          { mark: { type: 'text', align: 'left', dx: 3, fontSize: 8 }, encoding: { text: { field: 'queriesPerLookup', type: 'quantitative', format: '.2~f' }, color: { value: '#333' } } },
        ],
      },
      resolve: { scale: { x: 'shared' } },
    } as TopLevelSpec,
  };
}

/** The plots of a report. */
export function plotSpecs(report: DnsBenchReport): PlotSpec[] {
  return [latencyCdfSpec(report), queriesPerLookupSpec(report)];
}

/** Renders a Vega-Lite spec to SVG (headless Vega) and PNG (resvg, 2x, white background). */
export async function renderPlot(plot: PlotSpec): Promise<RenderedPlot> {
  const view = new vega.View(vega.parse(compile(plot.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
    return { name: plot.name, svg, png };
  } finally {
    view.finalize();
  }
}
