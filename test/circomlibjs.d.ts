declare module "circomlibjs" {
  export function buildPoseidon(): Promise<any>;
  export function buildPoseidonReference(): Promise<any>;
  export function buildEddsa(): Promise<any>;
}
