/**
 * The types of the TypeScript form (issue 19 §1): the manifest input with every name reference
 * narrowed to the names the experiment declares. `defineExperiment` infers service, attach,
 * host and probe names as literal types from where they are declared (`system.services[].name`,
 * ...), and every place that refers to one (`target.service`, `host`, `hosts`, `abort[].probe`)
 * accepts only those: `target: { service: 'ap1' }` with only `api` declared is a type error in
 * the editor. Types only: at run time the object is the same plain manifest input.
 * @module
 */
import type {
  AttachInput,
  ExperimentInput,
  HostInput,
  ProbeInput,
  ServiceInput,
  StepInputType,
} from './schema.js'
import type { ScriptFunction } from './script-types.js'

/** The names an experiment declares, one union of string literals per kind. */
export interface Names {
  service: string
  attach: string
  host: string
  probe: string
}

type Leaf = string | number | boolean | bigint | symbol | null | undefined

/**
 * A reference field: a string (or list of strings) narrowed to the declared names. NoInfer: a
 * reference must never widen the names it is checked against (else a typo would just add one).
 */
type Ref<V, Name extends string, N extends Names> =
  Exclude<V, undefined> extends string
    ? NoInfer<Name> | Extract<V, undefined>
    : Exclude<V, undefined> extends readonly string[]
      ? readonly NoInfer<Name>[] | Extract<V, undefined>
      : Typed<V, N>

/** `T` with its reference fields narrowed; distributes over unions (each fault type apart). */
export type Typed<T, N extends Names> = T extends Leaf
  ? T
  : T extends (...args: never[]) => unknown
    ? T
    : T extends readonly (infer E)[]
      ? readonly Typed<E, N>[]
      : {
          [K in keyof T]: K extends 'service'
            ? Ref<T[K], N['service'], N>
            : K extends 'attach'
              ? Ref<T[K], N['attach'], N>
              : K extends 'host' | 'hosts'
                ? Ref<T[K], N['host'], N>
                : K extends 'probe'
                  ? Ref<T[K], N['probe'], N>
                  : Typed<T[K], N>
        }

/**
 * A probe: its `name` is where probe names are inferred from. A probe's `host` is an address to
 * connect to (`tcp`), not a declared host: left a string.
 */
export type TypedProbe<N extends Names, P extends string> = Typed<
  ProbeInput,
  Omit<N, 'host'> & { host: string }
> & { name: P }

/** A step of the TypeScript form: a manifest step, or an imperative script (only here). */
export type TypedStep<N extends Names, P extends string> =
  | (Omit<Typed<StepInputType, N>, 'serial' | 'parallel' | 'probes'> & {
      serial?: readonly TypedStep<N, P>[]
      parallel?: readonly TypedStep<N, P>[]
      probes?: readonly TypedProbe<N, P>[]
    })
  | ScriptFunction<N['service'], N['attach']>
  | ScriptStepInput<N, P>

/** A script step with the fields every step may carry: a name, probes over it, a weight. */
export interface ScriptStepInput<N extends Names, P extends string> {
  name?: string
  run: ScriptFunction<N['service'], N['attach']>
  probes?: readonly TypedProbe<N, P>[]
  weight?: number
}

type Spec = ExperimentInput['spec']
type System = NonNullable<Spec['system']>

/** An experiment of the TypeScript form, its names `S` (services), `A`, `H` and `P`. */
export type TypedExperiment<
  S extends string,
  A extends string,
  H extends string,
  P extends string,
  N extends Names = { service: S; attach: A; host: H; probe: P },
> = Omit<ExperimentInput, 'spec'> & {
  spec: Omit<Typed<Spec, N>, 'system' | 'steps' | 'probes'> & {
    system?: Omit<Typed<System, N>, 'services' | 'attach' | 'hosts'> & {
      services?: readonly (Omit<Typed<ServiceInput, N>, 'name'> & { name: S })[]
      attach?: readonly (Omit<AttachInput, 'name'> & { name: A })[]
      hosts?: readonly (Omit<Typed<HostInput, N>, 'name'> & { name: H })[]
    }
    probes?: readonly TypedProbe<N, P>[]
    steps: readonly TypedStep<N, P>[]
  }
}

/**
 * What `defineExperiment` returns, whatever its names: what `resolve`, `ordeal run file.ts`
 * and `chaos.run` accept.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DefinedExperiment = TypedExperiment<any, any, any, any>
