/**
 * The quickstart (examples/quickstart/experiment.yaml) as a TypeScript module: a frontend in
 * front of two api replicas; an api replica is killed every two seconds, and the hypothesis is
 * that users never notice. `ordeal run examples/typescript/experiment.ts` runs it as is.
 *
 * Names are typed: `target: { service: 'ap1' }` is a type error, since only `api` and
 * `frontend` are declared.
 */
import { defineExperiment } from 'ordeal'

/** The experiment, with or without the frontend's retry (the weakness the variant shows). */
export function quickstart(options: { retries: number }) {
  const name = options.retries > 0 ? 'quickstart-ts' : 'quickstart-ts-no-retries'
  return defineExperiment({
    apiVersion: 'ordeal.dev/v1',
    kind: 'Experiment',
    metadata: { name, description: 'Kill api replicas while users browse.' },
    spec: {
      hypothesis: 'Every request to the frontend succeeds while api replicas are being killed.',
      deadline: '2m',
      system: {
        services: [
          {
            name: 'api',
            command: 'node',
            args: ['api.mjs'],
            // The services of the YAML quickstart, run from its directory.
            cwd: '../quickstart',
            env: { PORT: '{{ports.http}}', REPLICA: '{{replica}}' },
            replicas: 2,
            ports: { http: 0 },
            readiness: { http: 'http://127.0.0.1:{{ports.http}}/health', timeout: '10s' },
            restart: 'always',
            backoff: { initial: '500ms' },
          },
          {
            name: 'frontend',
            command: 'node',
            args: ['frontend.mjs'],
            cwd: '../quickstart',
            env: {
              PORT: '{{ports.http}}',
              RETRIES: String(options.retries),
              UPSTREAMS: [0, 1]
                .map((i) => `http://127.0.0.1:{{services.api.replicas[${i}].ports.http}}`)
                .join(','),
            },
            ports: { http: 0 },
            readiness: { http: 'http://127.0.0.1:{{ports.http}}/health', timeout: '10s' },
          },
        ],
      },
      probes: [
        {
          name: 'frontend-up',
          type: 'http',
          mode: 'SOT',
          url: 'http://127.0.0.1:{{services.frontend.ports.http}}/items',
          expect: { status: 200, bodyContains: 'apple' },
        },
      ],
      steps: [
        {
          name: 'kill-api-replicas',
          fault: {
            type: 'process-kill',
            target: { service: 'api', mode: 'one' },
            signal: 'SIGKILL',
            interval: '2s',
            duration: '6s',
          },
          probes: [
            {
              name: 'users-get-items',
              type: 'http',
              mode: 'Continuous',
              url: 'http://127.0.0.1:{{services.frontend.ports.http}}/items',
              expect: {
                status: 200,
                jsonPath: {
                  path: '$.items[0].sku',
                  comparator: { type: 'string', criteria: 'equal', value: 'apple' },
                },
              },
              runProperties: { pollingInterval: '50ms', timeout: '2s' },
            },
          ],
        },
      ],
    },
  })
}

export default quickstart({ retries: 1 })
