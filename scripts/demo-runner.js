// What scripts/demo.js and scripts/demo-institutional.js share: printing helpers and `run`, which
// runs a zkmargin command in-process and prints it with the lines of its output the demo shows.

/**
 * `root` is the checkout (printed paths are made relative to it), `runCli` the CLI's in-process
 * entry point. Options: `showExit` prints "(exit N)" after a command that failed as expected;
 * `onDone(argv, seconds)` is told how long each command took.
 */
export function demoRunner(root, runCli, { showExit = false, onDone = () => {} } = {}) {
  const rel = (text) => text.replaceAll(`${root}/`, "").replaceAll(root, ".");
  const say = (text = "") => process.stdout.write(`${text}\n`);
  const step = (title) => say(`\n== ${title} ==`);
  const linesOf = (chunks) => chunks.join("").split("\n").filter((l, i, all) => i < all.length - 1 || l !== "");
  /**
   * Runs `zkmargin argv` and prints it with the lines of its output the demo shows: `show` picks
   * them from stdout (default: all); a command that fails as expected shows its `error:` lines. An
   * unexpected exit code prints the command's whole output and stops the demo.
   */
  const run = async (argv, expect, show = (lines) => lines) => {
    say(`$ zkmargin ${rel(argv.join(" "))}`);
    const stdout = [];
    const stderr = [];
    const t0 = Date.now();
    const slow = setInterval(() => process.stdout.isTTY && say(`  ... ${Math.round((Date.now() - t0) / 1000)} s`), 30_000);
    let code;
    try {
      code = await runCli(argv, { out: (t) => stdout.push(t.endsWith("\n") ? t : `${t}\n`), err: (t) => stderr.push(t.endsWith("\n") ? t : `${t}\n`) });
    } finally {
      clearInterval(slow);
    }
    const seconds = (Date.now() - t0) / 1000;
    onDone(argv, seconds);
    if (!expect.includes(code)) {
      process.stdout.write(stdout.join(""));
      process.stderr.write(stderr.join(""));
      process.stderr.write(`demo: expected exit ${expect.join(" or ")}, got ${code}\n`);
      process.exit(1);
    }
    const shown = code === 0 ? show(linesOf(stdout)) : linesOf(stderr).filter((l) => /^(error|invalid)\b/.test(l));
    for (const l of shown) say(rel(l));
    if (showExit && code !== 0) say(`(exit ${code})`);
    return { code, seconds, stdout: linesOf(stdout) };
  };
  return { rel, say, step, linesOf, run };
}
