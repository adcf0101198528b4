#!/usr/bin/env node
// The `flowsmith` command (the package's "bin"). It is a tracked file rather than dist/cli.js
// itself so that npm links it on a fresh clone, where `npm ci` runs before anything is built; it
// runs the built CLI, which starts as soon as it is loaded (runtime/src/cli/bin.ts).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const cli = path.join(__dirname, "..", "dist", "cli.js");
if (!fs.existsSync(cli)) {
  process.stderr.write("flowsmith: runtime/dist/cli.js is missing: run `npm run build`\n");
  process.exit(2);
}
require(cli);
