// Data strings shown where they could act as markup or stretch a layout: ECharts tooltips are HTML, and a 10 kB
// category value must stay one short line.

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text for an HTML context (ECharts tooltips): data such as column names and values show as typed. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** `text` cut to `max` code points with an ellipsis (never splitting a surrogate pair). */
export function shorten(text: string, max = 80): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join("")}…`;
}
