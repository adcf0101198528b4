/** Settings shared by the engine benchmark (bench/engine.ts) and its API child (bench/engine-api.ts). */
export const ENGINE_CONCURRENCY = 4;
/** Floors and cold runs are measured this many times, interleaved. */
export const REPEATS = Number(process.env.FLOWSMITH_BENCH_REPEATS ?? 5);
