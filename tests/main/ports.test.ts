import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { checkPortChoice, findFreePort, isPortFree, tryListen } from '../../src/main/ports'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

/** Occupies a port the way another program would. */
async function occupy(port = 0, host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  servers.push(server)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return (server.address() as { port: number }).port
}

describe('ports', () => {
  it('a port in use is reported busy, and free again once released', async () => {
    const port = await occupy()
    expect(await isPortFree(port, '127.0.0.1')).toBe(false)
    expect(await tryListen(port, '127.0.0.1')).toEqual({ ok: false, code: 'EADDRINUSE' })
    await new Promise((resolve) => servers.pop()!.close(resolve))
    expect(await isPortFree(port, '127.0.0.1')).toBe(true)
  })

  it('offers the next free port above a busy one', async () => {
    const busy = await occupy()
    // Occupy the next one too, when we can: the offer must skip it.
    const next = await occupy(busy + 1).catch(() => null)
    const offered = await findFreePort('127.0.0.1', busy)
    expect(offered).not.toBe(busy)
    if (next !== null) expect(offered).not.toBe(next)
    expect(await isPortFree(offered, '127.0.0.1')).toBe(true)
    expect(offered).toBeGreaterThan(busy)
    expect(offered).toBeLessThanOrEqual(busy + 20)
  })

  it('falls back to any free port when the ones nearby are taken (or out of range)', async () => {
    const offered = await findFreePort('127.0.0.1', 65535)
    expect(offered).toBeGreaterThan(0)
    expect(await isPortFree(offered, '127.0.0.1')).toBe(true)
  })

  it('checkPortChoice: free, or busy with a suggestion', async () => {
    const busy = await occupy()
    const check = await checkPortChoice(busy, '127.0.0.1')
    expect(check).toMatchObject({ port: busy, host: '127.0.0.1', free: false })
    expect(check.suggestion).toEqual(expect.any(Number))
    expect(await isPortFree(check.suggestion!, '127.0.0.1')).toBe(true)
    expect(await checkPortChoice(0, '127.0.0.1')).toEqual({ port: 0, host: '127.0.0.1', free: true, suggestion: null })
  })

  it('an address that is not this machine\'s is an error, not "free"', async () => {
    const result = await tryListen(0, '192.0.2.1') // TEST-NET-1, never assigned locally
    expect(result).toEqual({ ok: false, code: 'EADDRNOTAVAIL' })
  })
})
