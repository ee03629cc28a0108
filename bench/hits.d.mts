// Types of the part of hits.mjs that TypeScript tests use.
/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same sequence in every run. */
export declare function rng(seed: number): () => number
