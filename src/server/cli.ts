import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, resolveConfig, USAGE } from './config'
import { startServer } from './server'

/** Web mode: `npm run serve`. Prints one line with the URL when ready; SIGINT/SIGTERM close gracefully. */
async function main() {
  let config
  try {
    if (process.argv.includes('--help')) {
      console.log(USAGE)
      return
    }
    config = resolveConfig(process.argv.slice(2), process.env)
  } catch (error) {
    console.error(error instanceof ConfigError || error instanceof TypeError ? `${(error as Error).message}\n\n${USAGE}` : error)
    process.exit(2)
  }
  const here = dirname(fileURLToPath(import.meta.url))
  let server
  try {
    server = await startServer(config, {
      logger: { level: config.logLevel },
      staticDir: join(here, '../renderer')
    })
  } catch (error) {
    console.error(`Dashi could not start: ${(error as Error).message}`)
    process.exit(1)
  }
  // Signal handlers first: whoever reads the ready line may stop the server at once.
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    server.app.log.info({ signal }, 'closing: flushing pending hits')
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  console.log(`Dashi is ready at ${server.url} (data: ${config.dataDir})`)
}

void main()
