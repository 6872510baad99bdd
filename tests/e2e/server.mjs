// What the end-to-end tests share: the repository's paths, the flags headless Chromium runs
// with here, and a real debug `driftfire-server` serving the built bundle on a free port.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const targetDir = process.env.CARGO_TARGET_DIR || path.join(process.env.HOME, ".cache/driftfire/target");
// Overridable so a benchmark can compare two builds (an older server and its bundle).
const serverBin = process.env.DRIFTFIRE_E2E_SERVER || path.join(targetDir, "debug/driftfire-server");
const webDir = process.env.DRIFTFIRE_E2E_DIST || path.join(root, "dist");
export const artifacts = path.join(root, "e2e-artifacts");

/// Software WebGL2 (SwiftShader) and no background traffic (this machine's network is closed).
export const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
  "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--ignore-gpu-blocklist",
];

/// Polls `predicate` every `everyMs` until it returns something truthy, which it resolves to;
/// after `timeoutMs` calls `fail` (the test's own, which prints what it knows) with what was
/// awaited.
export async function waitFor(what, predicate, timeoutMs, fail, everyMs = 250) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await predicate();
    if (value) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return fail(`timed out waiting for ${what}`);
}

/// Starts the server with the bundle in dist/, a 700-unit arena (inside one view, so pages
/// always see each other), the hall of fame in `dataDir` and no admin listener (another server
/// may hold its port), plus `extraArgs`; resolves to { server, url } once it prints its URL.
export async function startServer(dataDir, extraArgs = []) {
  const server = spawn(serverBin, ["--bind", "127.0.0.1:0", "--web-dir", webDir, "--arena-side", "700",
    "--admin-bind", "off", "--data-dir", dataDir, ...extraArgs], {
    env: { ...process.env, RUST_LOG: "info" }, stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/on (http:\/\/[0-9.:]+\/)/);
      if (match) resolve(match[1]);
    });
    server.on("exit", (code) => reject(new Error(`server exited early (${code})`)));
    setTimeout(() => reject(new Error("server did not print its URL")), 15000);
  });
  return { server, url };
}
