// The ARM decoders' Wasm entry points (re-exported by assembly/index.ts).
export { decodeA64, benchDecodeA64 } from "./a64";
export { decodeA32, benchDecodeA32 } from "./a32";
export { decodeT32, t32NextItState, benchDecodeT32 } from "./t32";
