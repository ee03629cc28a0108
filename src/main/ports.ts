import { createServer } from 'node:net'

/**
 * Port choice for the embedded server. Asking the system is the only reliable test: try to listen,
 * then let go. (A free answer can still race with another program; the server's own listen reports that.)
 */

/** Listens on `port` at `host` and closes again: the port it got, or the error code (EADDRINUSE, EACCES…). */
export function tryListen(port: number, host: string): Promise<{ ok: true; port: number } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.unref()
    probe.once('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? 'EUNKNOWN' }))
    // exclusive: a port some other process shares through cluster must count as taken.
    probe.listen({ port, host, exclusive: true }, () => {
      const address = probe.address()
      const bound = typeof address === 'object' && address ? address.port : port
      probe.close(() => resolve({ ok: true, port: bound }))
    })
  })
}

export async function isPortFree(port: number, host: string): Promise<boolean> {
  return (await tryListen(port, host)).ok
}

/**
 * A free port on `host`, preferring ones near `preferred` (so the address stays memorable and a
 * tracking snippet that names it keeps a good chance of working): the next `span` ports above it, then
 * any port the system hands out.
 */
export async function findFreePort(host: string, preferred: number, span = 20): Promise<number> {
  if (preferred > 0) {
    for (let port = preferred + 1; port <= Math.min(65535, preferred + span); port++) {
      if (await isPortFree(port, host)) return port
    }
  }
  const any = await tryListen(0, host)
  if (!any.ok) throw new Error(`No free port on ${host} (${any.code})`)
  return any.port
}

/** Free or not, and a free one to offer when not. */
export async function checkPortChoice(port: number, host: string): Promise<{ port: number; host: string; free: boolean; suggestion: number | null }> {
  if (port === 0) return { port, host, free: true, suggestion: null }
  const free = await isPortFree(port, host)
  return { port, host, free, suggestion: free ? null : await findFreePort(host, port) }
}
