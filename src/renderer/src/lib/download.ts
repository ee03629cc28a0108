/**
 * Saves text as a file through the browser's download (no server round trip). Kept apart from csv.ts:
 * this is the only part of lib/ that needs a DOM, and the rest is tested under Node.
 */
export function downloadText(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  // A byte-order mark first, so that Excel reads UTF-8 paths and names correctly.
  const blob = new Blob(['\ufeff', text], { type })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  // Revoked after the click has been handled: revoking at once cancels the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
