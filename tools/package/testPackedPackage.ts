// `npm run test:package`: packs this repository as a user would install it (`npm pack`, which builds dist/ in
// prepack), unpacks it into the fresh Convex app under tests/package/app, typechecks that app against the
// package's .d.ts files, and runs the app's own tests on convex-test with the package's `register`.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const app = path.join(root, "tests/package/app");
const run = (command: string, args: string[], cwd = root) => execFileSync(command, args, { cwd, stdio: "inherit" });

const packDir = fs.mkdtempSync(path.join(os.tmpdir(), "convex-live-stats-pack-"));
run("npm", ["pack", "--silent", "--pack-destination", packDir]);
const tarball = path.join(packDir, fs.readdirSync(packDir).find((file) => file.endsWith(".tgz"))!);
console.log(`packed ${path.basename(tarball)}: ${(fs.statSync(tarball).size / 1024).toFixed(0)} KiB`);

// What `npm install <tarball>` puts in node_modules; the package's dependencies resolve from the repository's.
const installed = path.join(app, "node_modules/convex-live-stats");
fs.rmSync(installed, { recursive: true, force: true });
fs.mkdirSync(installed, { recursive: true });
run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
fs.rmSync(packDir, { recursive: true, force: true });

run("npx", ["tsc", "-p", path.join(app, "tsconfig.json")]);
console.log("the app typechecks against the package's declaration files");
run("npx", ["vitest", "run", "--config", path.join(app, "vitest.config.ts")]);
