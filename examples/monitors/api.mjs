// A tiny service to kill: answers every request with its pid, so a restart shows.
import http from 'node:http'

http
  .createServer((req, res) => res.end(String(process.pid)))
  .listen(Number(process.env.PORT), '127.0.0.1')
