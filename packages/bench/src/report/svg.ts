/**
 * A very small SVG writer: elements as nested calls, text and attributes
 * always escaped, output a string. Enough for bar charts without a charting
 * dependency.
 */

/** A string child is text (escaped when rendered). */
export type SvgNode = string | { name: string; attrs: Record<string, string | number>; children: SvgNode[] };

export function el(name: string, attrs: Record<string, string | number> = {}, ...children: SvgNode[]): SvgNode {
  return { name, attrs, children };
}

export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

export function render(node: SvgNode): string {
  if (typeof node === 'string') return escape(node);
  const attrs = Object.entries(node.attrs)
    .map(([key, value]) => ` ${key}="${escape(typeof value === 'number' ? formatNumber(value) : value)}"`)
    .join('');
  if (node.children.length === 0) return `<${node.name}${attrs}/>`;
  return `<${node.name}${attrs}>${node.children.map(render).join('')}</${node.name}>`;
}

export function svgDocument(width: number, height: number, ...children: SvgNode[]): string {
  const root = el('svg', { xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': 'system-ui, sans-serif', 'font-size': 12 }, ...children);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root)}\n`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
