import { startPostgres } from './postgres.js'
const s = await startPostgres()
console.log('started', s.url)
process.exitCode = 0
