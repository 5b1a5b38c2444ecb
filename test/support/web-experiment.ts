/**
 * The smallest real experiment the Chaos Center tests run: one `web` service (a Node HTTP
 * server on a free port, re-created when killed) and one `process-kill` of it. Tests vary the
 * name, hypothesis, fault duration and probes (YAML list items, indented for `probes:`).
 * @module
 */
export interface WebExperiment {
  name: string
  faultDuration: string
  hypothesis?: string
  /** Probe list items under the fault step, each line indented by 8 spaces; none if absent. */
  probes?: string
}

export function killWebExperiment(options: WebExperiment): string {
  const hypothesis = options.hypothesis ?? 'The web service comes back after being killed.'
  const probes = options.probes === undefined ? '' : `      probes:\n${options.probes}`
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${options.name} }
spec:
  hypothesis: ${hypothesis}
  deadline: 2m
  system:
    services:
      - name: web
        command: node
        args: ['-e', "require('http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, '127.0.0.1')"]
        env: { PORT: '{{ports.http}}' }
        ports: { http: 0 }
        readiness: { http: 'http://127.0.0.1:{{ports.http}}/', timeout: 10s }
        restart: always
        backoff: { initial: 200ms }
  steps:
    - name: kill-web
      fault:
        type: process-kill
        target: { service: web, mode: one }
        signal: SIGKILL
        duration: ${options.faultDuration}
${probes}`
}
