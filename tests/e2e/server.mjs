// What the end-to-end tests share: the repository's paths, a real debug `driftfire-server`
// serving the built bundle on a free port, headless Chromium with the flags it runs with here
// (and both started and stopped around a test), a page's console lines and waiting on them, the
// server's status, a test's failure report, and screenshots' luminance (a blank canvas has none).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(root, "tools/package.json"));
const { chromium } = require("playwright-core");
const { PNG } = require("pngjs");

const targetDir = process.env.CARGO_TARGET_DIR || path.join(process.env.HOME, ".cache/driftfire/target");
// Overridable so a benchmark can compare two builds (an older server and its bundle).
const serverBin = process.env.DRIFTFIRE_E2E_SERVER || path.join(targetDir, "debug/driftfire-server");
const webDir = process.env.DRIFTFIRE_E2E_DIST || path.join(root, "dist");
/// Where every test writes its screenshots (and the data of the servers it starts).
export const artifacts = path.join(root, "e2e-artifacts");
mkdirSync(artifacts, { recursive: true });

/// Software WebGL2 (SwiftShader) and no background traffic (this machine's network is closed).
export const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
  "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--ignore-gpu-blocklist",
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Polls `predicate` every `everyMs` until it returns something truthy, which it resolves to;
/// after `timeoutMs` calls `fail` (the test's own, which prints what it knows) with what was
/// awaited.
export async function waitFor(what, predicate, timeoutMs, fail, everyMs = 250) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await predicate();
    if (value) return value;
    await sleep(everyMs);
  }
  return fail(`timed out waiting for ${what}`);
}

/// `artifacts/NAME`, emptied: a fresh data folder (hall of fame) for a server.
export function freshArtifactDir(name) {
  const dir = path.join(artifacts, name);
  rmSync(dir, { recursive: true, force: true });
  return dir;
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

/// Debian's Chromium, headless, with `args` (CHROMIUM_FLAGS and what the test adds).
export function launchChromium(args) {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args, ignoreDefaultArgs: ["--headless=new"] });
}

/// Starts the server (see startServer: `dataDir`, `serverArgs`) and Chromium (`browserArgs`),
/// runs `test(browser, url)`, and closes the browser and stops the server however it ended.
export async function withServerAndBrowser({ dataDir, serverArgs = [], browserArgs = CHROMIUM_FLAGS }, test) {
  const { server, url } = await startServer(dataDir, serverArgs);
  const browser = await launchChromium(browserArgs).catch((e) => { server.kill(); throw e; });
  try {
    return await test(browser, url);
  } finally {
    await browser.close();
    server.kill("SIGTERM");
  }
}

/// Collects `page`'s console lines into `lines` as { at, text } (and returns it) and prints
/// the page's errors. With a `label` it also echoes, as `[label] type: text`, the game's own
/// lines (but its frequent position reports) and any panic or error, or warning too with
/// `warnings`.
export function captureConsole(page, lines, { label = null, warnings = false } = {}) {
  const alarming = warnings ? /panick|error|warn/i : /panick|error/i;
  page.on("console", (msg) => {
    const text = msg.text();
    lines.push({ at: Date.now(), text });
    if (label === null) return;
    const interesting = (text.startsWith("driftfire:") && !text.includes(" me id=")) || alarming.test(`${msg.type()} ${text}`);
    if (interesting) console.log(`[${label}] ${msg.type()}: ${text}`);
  });
  page.on("pageerror", (error) => console.log(`${label === null ? "" : `[${label}] `}page error: ${error}`));
  return lines;
}

/// The match of `re` in the first console line from index `from` on that has one, or null.
export function firstMatch(lines, re, from = 0) {
  for (let i = from; i < lines.length; i++) {
    const m = lines[i].text.match(re);
    if (m) return m;
  }
  return null;
}

/// The match of `re` in the last console line that has one, or null.
export function lastMatch(lines, re) {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = lines[i].text.match(re);
    if (m) return m;
  }
  return null;
}

/// The server's /api/status.
export async function serverStatus(url) {
  return (await fetch(new URL("api/status", url))).json();
}

/// A test's `fail(message)`: prints "TITLE FAILED: message" and the last console lines of each
/// capture `captures()` lists as [heading, lines, count], marks the run failed, and throws.
export function failer(title, captures) {
  return (message) => {
    console.error(`${title} FAILED: ${message}`);
    for (const [heading, lines, count] of captures()) {
      console.error(`--- last console lines${heading}:`);
      for (const l of lines.slice(-count)) console.error(`  ${l.text}`);
    }
    process.exitCode = 1;
    throw new Error(message);
  };
}

/// A PNG file's (or buffer's) pixels, as pngjs reads them: { width, height, data (RGBA) }.
export function decodePng(fileOrBuffer) {
  return PNG.sync.read(typeof fileOrBuffer === "string" ? readFileSync(fileOrBuffer) : fileOrBuffer);
}

/// Standard deviation of luminance over `png`, or over its `region` ({ x, y, width, height },
/// clipped to the picture): a blank or single-colour canvas is ~0.
export function luminanceStddev(png, { x = 0, y = 0, width = png.width, height = png.height } = {}) {
  let sum = 0, sumSq = 0, n = 0;
  for (let row = y; row < Math.min(y + height, png.height); row++) {
    for (let col = x; col < Math.min(x + width, png.width); col++) {
      const i = (row * png.width + col) * 4;
      const l = 0.2126 * png.data[i] + 0.7152 * png.data[i + 1] + 0.0722 * png.data[i + 2];
      sum += l; sumSq += l * l; n++;
    }
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
}

/// Screenshots `page` into e2e-artifacts/NAME.png: its file, pixels and luminance spread.
export async function screenshotLuminance(page, name) {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  const png = decodePng(file);
  return { file, png, stddev: luminanceStddev(png) };
}
