import { describe, expect, test } from 'vitest'
import { axisTooltip, bucketAxis, countAxis, plotGrid } from '../../../src/renderer/src/charts/axes'
import { chartPalette } from '../../../src/renderer/src/charts/theme'

const dark = chartPalette('dark')

describe('shared chart axes', () => {
  test('the count axis steps in whole numbers and labels large counts compactly', () => {
    const axis = countAxis(dark, 'en-US')
    expect(axis.minInterval).toBe(1)
    expect(axis.splitLine.lineStyle.color).toBe(dark.grid)
    expect(axis.axisLabel.formatter(12_500)).toBe('12.5K')
    expect(axis.axisLabel.formatter(3)).toBe('3')
  })

  test('the bucket axis keeps the labels in order, in the theme’s colours, thinning overlaps', () => {
    const axis = bucketAxis(dark, ['Mon', 'Tue']) as { type: string; data: string[]; axisLabel: { color: string; hideOverlap: boolean } }
    expect(axis.type).toBe('category')
    expect(axis.data).toEqual(['Mon', 'Tue'])
    expect(axis.axisLabel).toEqual({ color: dark.muted, hideOverlap: true })
  })

  test('the tooltip covers the band under the pointer, in the tooltip colours, with the given text', () => {
    const formatter = () => '<strong>x</strong>'
    const tooltip = axisTooltip(dark, formatter)
    expect(tooltip).toMatchObject({ trigger: 'axis', backgroundColor: dark.tooltipBackground, borderColor: dark.tooltipBorder, formatter })
  })

  test('the grid keeps the axis labels inside and leaves the asked room', () => {
    expect(plotGrid(40)).toMatchObject({ top: 40, right: 16, left: 8, bottom: 8, outerBoundsContain: 'axisLabel' })
    expect(plotGrid(8, 24).right).toBe(24)
  })
})
