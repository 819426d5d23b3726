// The proof-of-work worker's program, for solver.ts.
//
// This file is what runs from the TypeScript sources (the browser tests, development): there the
// worker is started from its own module URL, which a dev server compiles. Every build replaces
// this module whole (rollup.config.mjs, `workerCode()`) by
//   export const program = { code: "<the bytes of the built dist/pow-worker.js>" };
// so a built widget starts its worker only from that text, through a blob: URL: the text sits in a
// chunk of its own (ss-worker-code-<hash>.js) that the snippet's import map pins like every other
// module, and a changed worker is refused by the browser before any of it runs. The widget's
// build test checks that every built copy holds exactly dist/pow-worker.js and no URL.

/** Where the worker's program comes from: its text (every build) or its module URL (sources only). */
export type WorkerProgram = { readonly code: string } | { readonly url: URL };

export const program: WorkerProgram = { url: new URL('./pow-worker.js', import.meta.url) };
