import { registerChannel } from '../queries/channel'
import type { Db } from './open'
import { registerRegexp } from './regexp'

/** The SQL functions queries call (regex filters `dashi_regexp`, channels `dashi_channel`), on a connection that runs them. */
export function registerFunctions(db: Db): void {
  registerRegexp(db)
  registerChannel(db)
}
