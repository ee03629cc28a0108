import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
import { alpha2Of, countryFeatures, type Topology } from '../../../src/renderer/src/charts/world-geometry'
import { mapData, WORLD_MAP, worldMapOption } from '../../../src/renderer/src/charts/world-map'
import { chartPalette, paletteFromCss } from '../../../src/renderer/src/charts/theme'

const require = createRequire(import.meta.url)
const topology = JSON.parse(readFileSync(require.resolve('world-atlas/countries-110m.json'), 'utf8')) as Topology

describe('world geometry', () => {
  const collection = countryFeatures(topology)
  const byCode = new Map(collection.features.map((f) => [f.id, f]))

  test('names every shape of the bundled atlas by its alpha-2 code', () => {
    for (const geometry of topology.objects.countries!.geometries) expect(alpha2Of(geometry), geometry.properties?.name).toMatch(/^[A-Z]{2}$/)
    for (const code of ['US', 'DE', 'FR', 'GB', 'CN', 'IN', 'BR', 'AU', 'JP', 'ZA', 'XK']) expect(byCode.has(code), code).toBe(true)
    for (const feature of collection.features) expect(feature.properties.name).toBe(feature.id)
  })

  test('merges shapes of one country and leaves Antarctica out', () => {
    expect(byCode.has('AQ')).toBe(false)
    expect(countryFeatures(topology, 'countries', true).features.some((f) => f.id === 'AQ')).toBe(true)
    const cyprus = byCode.get('CY')!
    expect(cyprus.geometry.coordinates.length).toBe(2)
    expect(collection.features.filter((f) => f.id === 'SO')).toHaveLength(1)
  })

  test('decodes closed rings in real longitudes and latitudes', () => {
    const faults: string[] = []
    for (const feature of collection.features) {
      for (const ring of feature.geometry.coordinates.flat()) {
        const [first, last] = [ring[0]!, ring[ring.length - 1]!]
        if (ring.length < 4 || Math.abs(first[0] - last[0]) > 1e-9 || Math.abs(first[1] - last[1]) > 1e-9) faults.push(`${feature.id}: open ring`)
        if (ring.some(([lon, lat]) => Math.abs(lon) > 180.0001 || Math.abs(lat) > 90)) faults.push(`${feature.id}: out of bounds`)
      }
    }
    expect(faults).toEqual([])
    // Nothing is drawn across the whole map: Russia and Fiji, whole across ±180° in the atlas, are cut.
    const bands = collection.features.flatMap((f) =>
      f.geometry.coordinates.flat().filter((ring) => ring.some((p, i) => i > 0 && Math.abs(p[0] - ring[i - 1]![0]) > 180)).map(() => f.id)
    )
    expect(bands).toEqual([])
    const russia = byCode.get('RU')!.geometry.coordinates.flat(2).map((p) => p[0]!)
    expect(Math.min(...russia)).toBeLessThan(-170) // Chukotka, west of the antimeridian
    expect(Math.max(...russia)).toBeGreaterThan(170)
    // Germany lies between 5.8°E–15.1°E and 47.2°N–55.1°N.
    const germany = byCode.get('DE')!.geometry.coordinates.flat(2)
    const lons = germany.map((p) => p[0]!)
    const lats = germany.map((p) => p[1]!)
    expect(Math.min(...lons)).toBeGreaterThan(5)
    expect(Math.max(...lons)).toBeLessThan(16)
    expect(Math.min(...lats)).toBeGreaterThan(47)
    expect(Math.max(...lats)).toBeLessThan(56)
  })
})

describe('world map option', () => {
  test('joins visitors to shapes by upper-case code, dropping unknown countries', () => {
    expect(mapData([{ x: 'de', y: 3 }, { x: 'DE', y: 2 }, { x: null, y: 9 }, { x: 'US', y: 1 }])).toEqual([
      { name: 'DE', value: 5 },
      { name: 'US', value: 1 }
    ])
  })

  test('colours from the theme’s low to high end, up to the busiest country', () => {
    const option = worldMapOption({ rows: [{ x: 'DE', y: 40 }, { x: 'FR', y: 10 }], theme: 'dark' })
    const dark = chartPalette('dark')
    expect(option.visualMap).toMatchObject({ min: 0, max: 40, inRange: { color: [dark.mapLow, dark.mapHigh] } })
    const [series] = option.series as { type: string; map: string; data: unknown[]; itemStyle: { areaColor: string } }[]
    expect(series).toMatchObject({ type: 'map', map: WORLD_MAP, itemStyle: { areaColor: dark.mapEmpty } })
    expect(worldMapOption({ rows: [], theme: 'light' }).visualMap).toMatchObject({ max: 1 })
  })

  test('the tooltip names the country in the locale and escapes it', () => {
    const option = worldMapOption({ rows: [{ x: 'DE', y: 1234 }], theme: 'light', locale: 'de-DE', metricLabel: 'Besucher' })
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter
    expect(formatter({ name: 'DE', value: 1234 })).toBe('Deutschland<br>Besucher: <strong>1.234</strong>')
    expect(formatter({ name: 'FR', value: Number.NaN })).toContain('<strong>0</strong>')
    expect(formatter({ name: '<b>', value: 1 })).not.toContain('<b>')
  })
})

describe('palettes', () => {
  test('custom properties of the stylesheet override the theme’s colours', () => {
    const vars: Record<string, string> = { '--chart-views': ' #ff0000 ', '--chart-map-high': '#00ff00' }
    const palette = paletteFromCss('light', (name) => vars[name] ?? '')
    expect(palette.views).toBe('#ff0000')
    expect(palette.mapHigh).toBe('#00ff00')
    expect(palette.visitors).toBe(chartPalette('light').visitors)
  })

  test('without chart overrides, charts follow the app’s theme variables', () => {
    const vars: Record<string, string> = { '--series-1': '#123456', '--border': '#abcdef', '--chart-grid': '' }
    const palette = paletteFromCss('dark', (name) => vars[name] ?? '')
    expect(palette.visitors).toBe('#123456')
    expect(palette.grid).toBe('#abcdef')
    expect(palette.mapLow).toBe(chartPalette('dark').mapLow)
  })
})
