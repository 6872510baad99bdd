// Real-browser end-to-end test: builds nothing (scripts/test.sh built dist/ and the server),
// starts the real server on a free port serving dist/, opens two headless Chromium pages with
// ?name=…&autoplay=1, and checks what a player would: both pages see both ships, the server
// counts two players, keyboard and mouse input move a ship and fire, and the screenshots show a
// rendered game (pixel variance over the canvas).
//
// `node tests/e2e/browser.mjs --bench-first-frame` instead measures page load → first rendered
// frame, five times, and prints the median (BENCHMARKS.md).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, copyFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(root, "tools/package.json"));
const { chromium } = require("playwright-core");
const { PNG } = require("pngjs");

const targetDir = process.env.CARGO_TARGET_DIR || path.join(process.env.HOME, ".cache/driftfire/target");
const serverBin = path.join(targetDir, "debug/driftfire-server");
const artifacts = path.join(root, "e2e-artifacts");
mkdirSync(artifacts, { recursive: true });

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
  "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--ignore-gpu-blocklist",
  "--window-size=1280,720",
];

const openPages = [];

function fail(message) {
  console.error(`e2e FAILED: ${message}`);
  for (const p of openPages) {
    console.error(`--- last console lines of ${p.name}:`);
    for (const l of p.lines.slice(-25)) console.error(`  ${l.text}`);
  }
  process.exitCode = 1;
  throw new Error(message);
}

async function startServer() {
  // A 700-unit arena fits inside one view, so the two pages always see each other.
  const server = spawn(serverBin, ["--bind", "127.0.0.1:0", "--web-dir", path.join(root, "dist"), "--arena-side", "700"], {
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

async function status(url) {
  return (await fetch(new URL("api/status", url))).json();
}

async function waitFor(what, predicate, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await predicate();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`timed out waiting for ${what}`);
}

function openPage(browser, url, name) {
  return (async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const lines = [];
    page.on("console", (msg) => {
      const text = msg.text();
      lines.push({ at: Date.now(), text });
      const interesting = (text.startsWith("driftfire:") && !text.includes(" me id=")) || /panick|error|warn/i.test(`${msg.type()} ${text}`);
      if (interesting) console.log(`[${name}] ${msg.type()}: ${text}`);
    });
    page.on("pageerror", (error) => console.log(`[${name}] page error: ${error}`));
    const started = Date.now();
    await page.goto(`${url}?name=${name}&autoplay=1`);
    const opened = { page, lines, started, name };
    openPages.push(opened);
    return opened;
  })();
}

const lastMatch = (lines, re) => {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = lines[i].text.match(re);
    if (m) return m;
  }
  return null;
};

/// Standard deviation of luminance over the screenshot: a blank or single-colour canvas is ~0.
function luminanceStddev(file) {
  const png = PNG.sync.read(readFileSync(file));
  let sum = 0, sumSq = 0, n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const l = 0.2126 * png.data[i] + 0.7152 * png.data[i + 1] + 0.0722 * png.data[i + 2];
    sum += l; sumSq += l * l; n++;
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
}

async function endToEnd(browser, url) {
  // The second tab opens once the first is in the game, as a second player would: two pages
  // compiling shaders in software at once on two cores can stall a page's main thread (and so
  // its socket's open event) for longer than the server's handshake timeout.
  const a = await openPage(browser, url, "e2e-a");
  await waitFor("e2e-a to join", () => lastMatch(a.lines, /driftfire: ships=1\b/), 180000);
  const b = await openPage(browser, url, "e2e-b");
  for (const p of [a, b]) {
    await waitFor(`${p.name} to see 2 ships`, () => lastMatch(p.lines, /driftfire: ships=2\b/), 180000);
  }
  const s = await status(url);
  if (s.players !== 2) fail(`/api/status players=${s.players}, expected 2`);
  console.log(`status: players=${s.players} rooms=${s.rooms} tick_p99_ms=${s.tick_p99_ms.toFixed(2)}`);

  // Player A: aim right of the ship (screen centre), hold W and the left mouse button.
  const report = /me id=\d+ x=(-?\d+) y=(-?\d+) travelled=(\d+) my_bullets_seen=(\d+)/;
  const before = await waitFor("A's position report", () => lastMatch(a.lines, report), 20000);
  await a.page.mouse.move(1100, 360);
  await a.page.mouse.down();
  await a.page.keyboard.down("w");
  await a.page.waitForTimeout(3500);
  await a.page.keyboard.up("w");
  await a.page.mouse.up();
  await a.page.waitForTimeout(1500);
  const after = lastMatch(a.lines, report);
  // Distance flown, not displacement: in the small arena the ship bounces off the walls.
  const moved = Number(after[3]) - Number(before[3]);
  console.log(`A flew ${moved} units, bullets seen ${after[4]}`);
  if (moved < 150) fail(`ship flew only ${moved} units under W`);
  if (Number(after[4]) < 2) fail(`only ${after[4]} of A's bullets were seen while firing`);
  if (!a.lines.some((l) => /thrust=true fire=true/.test(l.text))) fail("no input frame with thrust and fire was reported");

  for (const p of [a, b]) {
    const file = path.join(artifacts, `${p.name}.png`);
    await p.page.screenshot({ path: file });
    const stddev = luminanceStddev(file);
    console.log(`${p.name}.png luminance stddev ${stddev.toFixed(2)}`);
    if (stddev < 4) fail(`${p.name} screenshot looks blank (stddev ${stddev})`);
  }
  copyFileSync(path.join(artifacts, "e2e-a.png"), path.join(artifacts, "screenshot.png"));
  console.log("browser e2e: 1 passed, 0 failed");
}

async function benchFirstFrame(browser, url) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const p = await openPage(browser, url, `bench${i}`);
    await waitFor("first frame", () => lastMatch(p.lines, /driftfire: first frame/), 180000);
    const frame = p.lines.find((l) => /driftfire: first frame/.test(l.text));
    times.push(frame.at - p.started);
    await p.page.context().close();
  }
  times.sort((x, y) => x - y);
  console.log(`first frame ms: ${times.join(", ")}; median ${times[2]}`);
}

const { server, url } = await startServer();
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS, ignoreDefaultArgs: ["--headless=new"] }).catch((e) => { server.kill(); throw e; });
try {
  if (process.argv.includes("--bench-first-frame")) await benchFirstFrame(browser, url);
  else await endToEnd(browser, url);
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
