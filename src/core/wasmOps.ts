/**
 * WebAssembly instruction and type codes the kernels (policies/dotKernel.ts, policies/denseKernel.ts,
 * features/pcaKernel.ts) assemble their modules from (core and the 0xfd SIMD prefix), and the local-variable
 * helpers.
 */
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const I32_CONST = 0x41;
export const F64_CONST = 0x44;
export const I32_ADD = 0x6a;
export const I32_MUL = 0x6c;
export const I32_SHL = 0x74;
export const I32_LT_U = 0x49;
export const F64_ADD = 0xa0;
export const F64_SUB = 0xa1;
export const F64_MUL = 0xa2;
export const F64_LOAD = 0x2b;
export const F64_STORE = 0x39;
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const IF = 0x04;
export const VOID = 0x40;
export const BR = 0x0c;
export const BR_IF = 0x0d;
export const END = 0x0b;
export const V128_LOAD = [0xfd, 0x00];
export const V128_STORE = [0xfd, 0x0b];
export const F64X2_SPLAT = [0xfd, 0x14];
export const F64X2_ADD = [0xfd, 0xf0, 0x01];
export const F64X2_SUB = [0xfd, 0xf1, 0x01];
export const F64X2_MUL = [0xfd, 0xf2, 0x01];
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const LOCAL_TEE = 0x22;
export const I32_GE_U = 0x4f;
export const F32_ADD = 0x92;
export const F32_STORE = 0x38;
export const V128_CONST = [0xfd, 0x0c];
export const F32X4_EXTRACT = [0xfd, 0x1f];
export const F32X4_ADD = [0xfd, 0xe4, 0x01];
export const F32X4_MUL = [0xfd, 0xe6, 0x01];
export const I32_EQZ = 0x45;

export type Code = number[];
export const get = (l: number): Code => [LOCAL_GET, l];
export const set = (l: number): Code => [LOCAL_SET, l];
export const tee = (l: number): Code => [LOCAL_TEE, l];
export const F64_DIV = 0xa3;
export const F64_EQ = 0x61;
export const I32_OR = 0x72;
export const CALL = 0x10;
export const ELSE = 0x05;
export const I32_GT_S = 0x4a;
export const F64X2_EQ = [0xfd, 0x47];
export const V128_ANY_TRUE = [0xfd, 0x53];
export const SELECT = 0x1b;
export const F64_NE = 0x62;
export const V128_BITSELECT = [0xfd, 0x52];
