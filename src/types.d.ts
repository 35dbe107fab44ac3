declare module "circom_runtime" {
  export function WitnessCalculatorBuilder(code: Uint8Array, options?: { sanityCheck?: boolean }): Promise<any>;
}

declare module "snarkjs" {
  export const groth16: any;
  export const zKey: any;
  export const powersOfTau: any;
  export const wtns: any;
  export const r1cs: any;
  export const curves: any;
}
