/**
 * The typing of flows. A reference is an opaque value branded with a unique symbol that carries
 * the type of the value it stands for. Plain-object references expose one reference per field
 * (named outputs); references to arrays, functions or primitives expose nothing, so iterating,
 * spreading or indexing them is a TypeScript error as well as a Flowsmith one (FS004).
 */
import type { z } from "zod";

declare const referenceBrand: unique symbol;

/** An opaque handle to a value that a node will produce when the workflow runs. */
export interface Ref<T> {
  readonly [referenceBrand]: T;
}

type Primitive = string | number | boolean | bigint | symbol | null | undefined;

/** Is T a plain object whose fields should become references of their own? */
type IsPlainObject<T> = T extends Primitive
  ? false
  : T extends readonly unknown[]
    ? false
    : T extends (...args: never[]) => unknown
      ? false
      : T extends Date | RegExp | Map<unknown, unknown> | Set<unknown> | Promise<unknown>
        ? false
        : T extends object
          ? true
          : false;

/** A reference to T; for plain objects, each field is a reference too. */
export type Reference<T> = Ref<T> &
  (IsPlainObject<T> extends true ? { readonly [K in keyof T]-?: Reference<T[K]> } : unknown);

/**
 * What a workflow body receives for its params: a reference per param (DESIGN "Params are
 * references"), like a node's outputs — passed to inputs, sub-flows or returned, never computed
 * with, compared or formatted while the graph is built. Every param of the schema has one (an
 * optional param not given is a reference to undefined).
 */
export type ParamRefs<P> = { readonly [K in keyof P]-?: Reference<P[K]> };

/** What a call accepts for each declared input: the value itself or a reference to it. */
export type InputOf<I> = { [K in keyof I]: I[K] | Ref<I[K]> | Ref<NonNullable<I[K]>> };

/** A workflow's outputs with the references its body returns unwrapped to their values. */
export type Unwrap<R> = R extends Ref<infer T>
  ? T
  : R extends void | undefined
    ? Record<string, never>
    : { [K in keyof R]: R[K] extends Ref<infer T> ? T : R[K] };

/** The per-call options given as a node call's second argument. */
export interface CallOptions {
  /** The node id to use instead of the task name (Flyte's `.with_overrides(name=...)`). */
  as?: string;
}

/** Arguments of a call: input is optional when the task declares no required inputs. */
export type CallArgs<I> = {} extends I
  ? [input?: InputOf<I>, options?: CallOptions]
  : [input: InputOf<I>, options?: CallOptions];

export interface TaskOptions {
  /** The task's name; defaults to the name it is exported under. */
  name?: string;
  /** Bump to invalidate cached outputs without changing code. */
  version?: string;
  /** Cache outputs (default true). When false the node always runs. */
  cache?: boolean;
  /** How many times to retry a failed attempt (default 0). */
  retries?: number;
  /** Abort an attempt after this many milliseconds. */
  timeoutMs?: number;
  description?: string;
}

/** What a running task receives besides its input. */
export interface TaskContext {
  /** Fires when the run is stopped or the attempt times out. Pass it to fetch, child processes… */
  readonly signal: AbortSignal;
  /** Write a line to this node's log. */
  log(...args: unknown[]): void;
  /** Report progress as a fraction between 0 and 1. */
  progress(fraction: number): void;
  readonly runId: string;
  /** This node's id in the workflow (e.g. `train`, `clean#2`, `sub/get-data`). */
  readonly node: string;
  /** 1 for the first attempt, 2 for the first retry… */
  readonly attempt: number;
  /** `--config NODE.key=value` entries for this node (and `*.key=value` for every node). */
  readonly config: Readonly<Record<string, unknown>>;
}

export type TaskFn<I, O> = (input: I, ctx: TaskContext) => O | Promise<O>;

export interface Task<I, O> {
  (...args: CallArgs<I>): Reference<O>;
  readonly kind: "task";
  readonly options: Readonly<TaskOptions>;
  /** Run the task's function directly, outside any workflow (for unit tests of a task). */
  run(input: I, ctx?: Partial<TaskContext>): Promise<O>;
}

export type ParamsSchema = z.ZodObject;

export interface WorkflowOptions<S extends ParamsSchema | undefined = ParamsSchema | undefined> {
  /** A zod object schema of JSON values; defaults allowed. Validated at run start. */
  params?: S;
  /** The workflow's name; defaults to the name it is exported under. */
  name?: string;
  description?: string;
}

export interface Workflow<P, O> {
  /** Called inside another workflow's body: a sub-flow whose outputs are references. */
  (...args: CallArgs<P>): Reference<O>;
  readonly kind: "workflow";
  readonly options: Readonly<WorkflowOptions>;
}

// ---- dynamic shapes: map, when, asset (sdk/dynamic.ts) ----------------------------------------

declare const eachBrand: unique symbol;

/** `each(list)`: the one input of a `map()` that is mapped over (one element a node). */
export interface Each<T> {
  readonly [eachBrand]: T;
}

/** A map's inputs: per field, `each(list of the field's type)`, the value, or a reference to it. */
export type MapInputs<I> = { [K in keyof I]: Each<I[K]> | I[K] | Ref<I[K]> | Ref<NonNullable<I[K]>> };

/** A map's outputs: each of the task's named outputs as a list (one entry per element; `null` for a failed one). */
export type ListsOf<O> = IsPlainObject<O> extends true ? { [K in keyof O]: O[K][] } : O[];

export interface MapOptions {
  /** The map node's id instead of the task name. */
  as?: string;
  /** At most this many elements run at once (within the run's `--concurrency`). */
  concurrency?: number;
  /** The share of elements that must succeed for the map node to complete (0…1, default 1). */
  minSuccessRatio?: number;
}

/** A when test: a constant (equality), a comparison with one, or membership in a list of them. */
export type WhenTest<T> =
  | T
  | { eq: T }
  | { ne: T }
  | { gt: T }
  | { gte: T }
  | { lt: T }
  | { lte: T }
  | { in: readonly T[] };

/** What a branch may return once the first branch fixed the outputs `O`: the same names, values or references. */
type BranchOutputs<O> = [O] extends [never] ? object : { [K in keyof O]: O[K] | Ref<O[K]> | Ref<NonNullable<O[K]>> };
type Chosen<O, R> = [O] extends [never] ? Unwrap<R> : O;

/** A `when()` chain: `.is(test, branch)`…, closed by `.otherwise(branch)` or `.end()`. */
export interface When<T, O> {
  is<R extends BranchOutputs<O>>(test: WhenTest<T>, branch: () => R): When<T, Chosen<O, R>>;
  otherwise<R extends BranchOutputs<O>>(branch: () => R): Reference<Chosen<O, R>>;
  /** Closes the chain without a default: no matching branch fails the when node at run time. */
  end(): Reference<O>;
}
