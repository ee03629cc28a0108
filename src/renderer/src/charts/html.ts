/**
 * ECharts renders tooltip formatter output as HTML. Everything that goes in (country names, dates,
 * series names) passes through here, so a value a visitor sent can never become markup.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
