/** Settings shared by the engine benchmark (bench/engine.ts) and its API child (bench/engine-api.ts). */
export const ENGINE_CONCURRENCY = 4;
/** Floors and cold runs are measured this many times, interleaved. */
export const REPEATS = Number(process.env.FLOWSMITH_BENCH_REPEATS ?? 5);
/** How many times the CLI's start-up and each fully cached re-run are timed (the median is judged). */
export const CACHED_REPEATS = Number(process.env.FLOWSMITH_BENCH_CACHED_REPEATS ?? 3);
