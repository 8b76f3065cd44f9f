/** Markdown for job summaries: tables, details blocks and Mermaid charts GitHub renders. */

/** Escapes what would break a table cell: pipes, newlines, and HTML-ish angle brackets. */
export function cell(value: unknown): string {
  return String(value ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, '<br>');
}

export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const head = `| ${headers.map(cell).join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  const body = rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
  return [head, rule, ...body].join('\n') + '\n\n';
}

export function heading(text: string, level = 2): string {
  return `${'#'.repeat(level)} ${text}\n\n`;
}

export function details(summaryText: string, body: string): string {
  return `<details><summary>${cell(summaryText)}</summary>\n\n${body}\n</details>\n\n`;
}

export function codeBlock(text: string, lang = ''): string {
  return '```' + lang + '\n' + text.replace(/```/g, '`\u200b``') + '\n```\n\n';
}

export interface LineChartOptions {
  /**
   * What to do with a value that is not a finite number (Mermaid's xychart cannot draw gaps):
   * `zero` (the default, for existing callers) draws it at 0, which reads as a real 0;
   * `skip` leaves out every x position where some series has no value, so the x labels show
   * the hole (1, 2, 4), and draws nothing when fewer than two positions are left.
   */
  missing?: 'zero' | 'skip';
}

/**
 * The colours lines get, in series order, by name: xychart has no legend, so the chart's title
 * names each line's colour. Chosen to stay apart for the common colour-vision deficiencies
 * (orange/blue first) and on GitHub's light and dark backgrounds.
 */
export const LINE_COLOURS: readonly { name: string; hex: string }[] = [
  { name: 'orange', hex: '#e8590c' },
  { name: 'blue', hex: '#1c7ed6' },
  { name: 'red', hex: '#c92a2a' },
  { name: 'grey', hex: '#868e96' },
  { name: 'green', hex: '#2b8a3e' },
  { name: 'purple', hex: '#862e9c' },
];

/**
 * A Mermaid `xychart-beta` line chart (GitHub renders it in job summaries). Each series gets a
 * named colour (Mermaid front matter `config.themeVariables.xyChart.plotColorPalette`) and the
 * title says which is which ("… — canary orange, baseline blue"); `yTitle` is the y axis with
 * its unit (e.g. "error rate (share of requests)"). At most LINE_COLOURS.length series.
 */
export function lineChart(
  title: string,
  xLabels: readonly string[],
  series: readonly { name: string; values: readonly number[] }[],
  yTitle: string,
  options: LineChartOptions = {},
): string {
  if (series.length > LINE_COLOURS.length) throw new Error(`lineChart: ${series.length} series, at most ${LINE_COLOURS.length} colours`);
  const num = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : '0');
  const text = (t: string) => t.replace(/"/g, "'");
  let positions = xLabels.map((_, i) => i);
  if (options.missing === 'skip') {
    positions = positions.filter((i) => series.every((s) => Number.isFinite(s.values[i])));
    if (positions.length < 2) return '';
  }
  const colours = series.map((s, i) => ({ series: s.name, ...LINE_COLOURS[i] }));
  const key = colours.map((c) => `${c.series} ${c.name}`).join(', ');
  const lines = [
    '```mermaid',
    '---',
    'config:',
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${colours.map((c) => c.hex).join(', ')}"`,
    '---',
    'xychart-beta',
    `  title "${text(`${title} — ${key}`)}"`,
    `  x-axis [${positions.map((i) => `"${text(xLabels[i])}"`).join(', ')}]`,
    `  y-axis "${text(yTitle)}"`,
    ...series.map((s) => `  line [${positions.map((i) => num(s.values[i])).join(', ')}]`),
    '```',
  ];
  const legend = `\n_Lines: ${colours.map((c) => `${c.series} (${c.name})`).join(', ')}_\n`;
  return lines.join('\n') + '\n' + legend + '\n';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
