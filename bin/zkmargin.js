#!/usr/bin/env node
// The zkmargin command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
let cli;
try {
  cli = await import("../dist/src/cli/main.js");
} catch (e) {
  if (e && e.code === "ERR_MODULE_NOT_FOUND") {
    process.stderr.write("zkmargin: dist/ is missing; run `npm run build` (npm install does it) first\n");
    process.exit(3);
  }
  throw e;
}
const code = await cli.runCli(process.argv.slice(2));
process.exitCode = code;
