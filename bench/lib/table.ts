/** Markdown tables for benchmark output: one header row, pipes escaped, columns left as given. */

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
