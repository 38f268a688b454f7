// ES module entry point (`import PersistentQueue, { PersistentQueue } from 'sqlite-persistent-queue'`).
// It re-exports the CommonJS module (index.js) instead of being a second copy, so a program that
// both imports and requires the package gets one class: `instanceof` and the addon agree.
import PersistentQueue from './index.js'

export { PersistentQueue }
export default PersistentQueue
