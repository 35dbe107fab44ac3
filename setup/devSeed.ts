/**
 * The public seed of the INSECURE dev powers of tau (setup/devPtau.ts). Its own module, free of Node
 * built-ins, so that recognising a dev key (src/prove/devKey.ts) also works in a browser.
 */
export const DEFAULT_DEV_PTAU_SEED = "zkmargin INSECURE dev ptau";
