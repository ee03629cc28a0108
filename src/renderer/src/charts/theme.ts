/**
 * Chart colours for the light and dark themes. Canvas charts cannot read CSS, so the palette is passed
 * into the option builders; `paletteFromCss` takes the colours the app's stylesheet sets (its theme
 * variables, or `--chart-*` overrides) without the builders knowing about the DOM.
 */

export type ChartTheme = 'light' | 'dark'

export interface ChartPalette {
  text: string
  muted: string
  grid: string
  views: string
  visitors: string
  previous: string
  tooltipBackground: string
  tooltipText: string
  tooltipBorder: string
  /** Countries with no visitors. */
  mapEmpty: string
  mapBorder: string
  /** The map's colour scale, from fewest to most visitors. */
  mapLow: string
  mapHigh: string
  mapHover: string
}

const PALETTES: Record<ChartTheme, ChartPalette> = {
  light: {
    text: '#1f2933',
    muted: '#616e7c',
    grid: '#e4e7eb',
    views: '#93b4f5',
    visitors: '#2563eb',
    previous: '#9aa5b1',
    tooltipBackground: '#ffffff',
    tooltipText: '#1f2933',
    tooltipBorder: '#cbd2d9',
    mapEmpty: '#eef1f4',
    mapBorder: '#ffffff',
    mapLow: '#c7d7fb',
    mapHigh: '#1d4ed8',
    mapHover: '#f59e0b'
  },
  dark: {
    text: '#e4e7eb',
    muted: '#9aa5b1',
    grid: '#323f4b',
    views: '#3b5998',
    visitors: '#7aa2f7',
    previous: '#7b8794',
    tooltipBackground: '#1f2933',
    tooltipText: '#e4e7eb',
    tooltipBorder: '#3e4c59',
    mapEmpty: '#2a3540',
    mapBorder: '#1a222b',
    mapLow: '#2c4a8a',
    mapHigh: '#8fb3ff',
    mapHover: '#fbbf24'
  }
}

export function chartPalette(theme: ChartTheme): ChartPalette {
  return PALETTES[theme] ?? PALETTES.light
}

/** `mapHover` → `--chart-map-hover`. */
const cssName = (key: string) => `--chart-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`

/** The app stylesheet's general colours (styles/main.css) that a chart colour follows when no `--chart-*` is set. */
const APP_VARIABLES: Partial<Record<keyof ChartPalette, string>> = {
  text: '--text',
  muted: '--muted',
  grid: '--border',
  visitors: '--series-1',
  views: '--series-2',
  mapHover: '--series-3',
  tooltipBackground: '--surface',
  tooltipText: '--text',
  tooltipBorder: '--border'
}

/**
 * The theme's palette with colours from the stylesheet where it sets them: `--chart-<name>` first, then
 * the app's own variable for that role (`--series-1` for visitors, `--border` for grid lines…). `read`
 * is `name => getComputedStyle(el).getPropertyValue(name)` in the app, any lookup in tests.
 */
export function paletteFromCss(theme: ChartTheme, read: (name: string) => string): ChartPalette {
  const base = chartPalette(theme)
  const palette = { ...base }
  for (const key of Object.keys(base) as (keyof ChartPalette)[]) {
    const fallback = APP_VARIABLES[key]
    const value = read(cssName(key)).trim() || (fallback ? read(fallback).trim() : '')
    if (value) palette[key] = value
  }
  return palette
}
