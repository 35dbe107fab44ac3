#!/usr/bin/env node
// `npm run build` runs this after tsc: compiles contracts/ with the package's solc pipeline (the
// built src/chain/solc.js; cached under .cache/zkmargin/contracts/) and writes the contract
// artifacts to dist/abi/: <Name>.json (the ABI), <Name>.js + .d.ts (`<name>Abi` as const, and
// `<name>Bytecode` when deployable), index.js + .d.ts (`zkmargin/abi`), factories.js + .d.ts (typed
// ethers factories, `zkmargin/factories`). See src/chain/abi-package.ts.
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "dist", "abi");
const { writeAbiPackage } = await import(pathToFileURL(join(root, "dist", "src", "chain", "abi-package.js")).href);
const pkg = await writeAbiPackage(out);
process.stderr.write(`abi: ${pkg.contracts.map((c) => c.name).join(", ")} (solc ${pkg.solcVersion}) -> dist/abi/\n`);
