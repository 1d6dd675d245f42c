/**
 * What the WebAssembly kernels (policies/dotKernel.ts, policies/denseKernel.ts, features/pcaKernel.ts) share:
 * the binary encoding of a module's sections and integers, and compiling and instantiating a module against
 * one imported memory.
 */

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

/** Signed LEB128. */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
export const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/** The part of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
const PAGE = 65536;
const compiled = new Map<Uint8Array, object | null>();

/** The module compiled once per process, or null where WebAssembly (or its SIMD) is not available. */
export function compileModule(bytes: Uint8Array): object | null {
  let mod = compiled.get(bytes);
  if (mod === undefined) {
    mod = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    compiled.set(bytes, mod);
  }
  return mod;
}

/** An instance of `mod` with a fresh memory of at least `bytes` bytes imported as env.mem. */
export function instantiate(mod: object, bytes: number): { buffer: ArrayBuffer; exports: Record<string, unknown> } {
  const memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  const exports = new wasm!.Instance(mod, { env: { mem: memory } }).exports;
  return { buffer: memory.buffer, exports };
}
