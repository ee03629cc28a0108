/**
 * The tray icon drawn in code (three bars, the app's favicon), as the raw BGRA bitmap
 * nativeImage.createFromBitmap takes: no image file to ship or to find at run time. On macOS it is used
 * as a template image (black with alpha), which the menu bar recolours for light and dark mode.
 */
const BARS = [
  // [left, top, right] in a 24-unit box, bars reach the bottom (21), as in the favicon's SVG.
  [3, 12, 7],
  [10, 7, 14],
  [17, 3, 21]
] as const

export function trayIconBitmap(size: number, rgb: readonly [number, number, number] = [0x25, 0x63, 0xeb]): Buffer {
  const bitmap = Buffer.alloc(size * size * 4)
  const scale = size / 24
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const ux = (x + 0.5) / scale
      const uy = (y + 0.5) / scale
      const inBar = uy <= 21 && BARS.some(([left, top, right]) => ux >= left && ux <= right && uy >= top)
      if (!inBar) continue
      const i = (y * size + x) * 4
      bitmap[i] = rgb[2] // B
      bitmap[i + 1] = rgb[1] // G
      bitmap[i + 2] = rgb[0] // R
      bitmap[i + 3] = 0xff
    }
  }
  return bitmap
}
