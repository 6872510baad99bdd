// Frame rate and start-up times in real headless Chromium with software WebGL2 (SwiftShader, a
// stand-in for a weak laptop GPU) at 1280×720: the real server keeps 20 ships in the room (19 AI
// pilots and this page's pilot, in a 700-unit arena, so all of them are in view), the page plays
// (thrusting and firing, so flames, shots, sparks and explosions are drawn) and counts the frames
// the browser presents over ten seconds. Also reported: page load → first frame, → in the arena.
//
//   node tests/e2e/frames.mjs [--seconds S] [--min-fps F] [--size WxH] [--render-scale S] [--title] [--count-gl] [--trace]
//
// The game lowers its render scale by itself when frames are slow (client/src/render_scale.rs):
// the run plays a few seconds first so the measured ones are at the scale it settled on, and
// says which; `--render-scale 1` pins full resolution (`0.8` another scale).
// `--title` measures the title screen instead; `--count-gl` prints the WebGL calls per frame;
// `--log-frame` prints one frame's passes and draws, numbering the GL programs in the order
// they were made; `--skip-draws p4,u0` leaves out the draws of program 4 and the first UI draw
// of each frame (program 1's) — what the frame costs without them (a diagnosis: the picture is
// wrong); `--trace` writes a Chromium trace (e2e-artifacts/frames-trace.json) of the measured seconds.
// With `--min-fps F` it fails below F frames per second (CI sets a floor well under the goal:
// the machine is shared). DRIFTFIRE_E2E_SERVER / DRIFTFIRE_E2E_DIST point it at another build
// (before/after figures in BENCHMARKS.md).
import path from "node:path";

import {
  CHROMIUM_FLAGS, artifacts, captureConsole, freshArtifactDir, lastMatch, sleep, waitFor, withServerAndBrowser,
} from "./server.mjs";

// The value after `name` on the command line, if it is there.
const option = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const arg = (name, fallback) => (option(name) === undefined ? fallback : Number(option(name)));
const SECONDS = arg("--seconds", 10);
const MIN_FPS = arg("--min-fps", 0);
// Window size (`--size 640x360` tells fill-rate cost from the rest).
const SIZE = (option("--size") || "").match(/^(\d+)x(\d+)$/) || [null, "1280", "720"];
const [WIDTH, HEIGHT] = [Number(SIZE[1]), Number(SIZE[2])];
// A pinned render scale (none: the game picks).
const PINNED_SCALE = arg("--render-scale", null);
// Seconds played before measuring: the automatic render scale needs ~4 s of frames to settle.
const WARM_UP_SECONDS = PINNED_SCALE === null ? 6 : 1;
// Ships the room keeps in play (AI pilots fill up to it).
const SHIPS = 20;

/// The first console line matching `re`, once there is one; throws after `timeoutMs` with the
/// last lines.
function waitForLine(lines, re, what, timeoutMs) {
  const fail = (message) => { throw new Error(`${message}; last lines:\n${lines.slice(-15).map((l) => l.text).join("\n")}`); };
  return waitFor(what, () => lines.find((l) => re.test(l.text)), timeoutMs, fail, 100);
}

/// Opens the game in a page of `browser` (the server at `url`) with the instruments the flags
/// ask for, and measures the title screen or the crowded arena; throws what went wrong.
async function measure(browser, url) {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT } });
  const page = await context.newPage();
  const lines = captureConsole(page, []);
  // Counts the lines the text engine draws (each a canvas fillText, and a texture update).
  await page.addInitScript(() => {
    window.__textLines = 0;
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (...args) {
      window.__textLines++;
      return fillText.apply(this, args);
    };
  });
  // `--count-gl`: count WebGL calls per frame (what a frame asks of the GPU).
  if (process.argv.includes("--count-gl")) {
    await page.addInitScript(() => {
      const counts = (window.__glCounts = {});
      const proto = WebGL2RenderingContext.prototype;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const desc = Object.getOwnPropertyDescriptor(proto, name);
        if (typeof desc.value !== "function") continue;
        const original = desc.value;
        proto[name] = function (...args) {
          counts[name] = (counts[name] || 0) + 1;
          if (name === "texSubImage2D" || name === "texStorage2D" || name === "framebufferTexture2D" || name === "clearBufferfv" || name === "viewport" || name === "drawArrays" || name === "blitFramebuffer") {
            const key = `${name}(${args.filter((x) => typeof x === "number").join(",")})`;
            counts[key] = (counts[key] || 0) + 1;
          }
          if (name === "bufferData" || name === "bufferSubData") counts[`${name}:bytes`] = (counts[`${name}:bytes`] || 0) + (args[1]?.byteLength ?? (typeof args[1] === "number" ? args[1] : 0));
          return original.apply(this, args);
        };
      }
    });
  }
  // `--log-frame` / `--skip-draws`: which program each draw uses and where it goes.
  const skip = option("--skip-draws") || "";
  if (skip || process.argv.includes("--log-frame")) {
    await page.addInitScript((skip) => {
      const proto = WebGL2RenderingContext.prototype;
      const ids = new Map();
      let program = null;
      let target = "canvas";
      let uiDraw = 0;
      const skipped = new Set(skip.split(",").filter(Boolean));
      window.__frameLog = null;
      const log = (line) => window.__frameLog && window.__frameLog.push(line);
      const wrap = (name, fn) => { const original = proto[name]; proto[name] = function (...a) { return fn.call(this, original, a); }; };
      const id = (object, prefix) => { if (!ids.has(object)) ids.set(object, `${prefix}${[...ids.keys()].filter((k) => ids.get(k).startsWith(prefix)).length}`); return ids.get(object); };
      wrap("createProgram", function (original, a) { const p = original.apply(this, a); id(p, "p"); return p; });
      wrap("useProgram", function (original, a) { program = a[0] ? ids.get(a[0]) : null; return original.apply(this, a); });
      wrap("bindFramebuffer", function (original, a) {
        if (a[0] !== this.READ_FRAMEBUFFER) target = a[1] ? id(a[1], "fb") : "canvas";
        return original.apply(this, a);
      });
      for (const name of ["clear", "clearBufferfv", "blitFramebuffer"]) {
        wrap(name, function (original, a) { log(`${name}(${a.filter((x) => typeof x === "number").join(",")}) -> ${target}`); return original.apply(this, a); });
      }
      for (const name of ["drawArrays", "drawElements", "drawArraysInstanced", "drawElementsInstanced"]) {
        wrap(name, function (original, a) {
          log(`${name}(${a.filter((x) => typeof x === "number").join(",")}) ${program} -> ${target}`);
          // Program 0 is wgpu's copy to the canvas, the last draw of a frame; program 1 Bevy's UI.
          if (program === "p0") uiDraw = 0;
          if (program === "p1" && skipped.has(`u${uiDraw++}`)) return;
          if (skipped.has(program)) return;
          return original.apply(this, a);
        });
      }
    }, skip);
  }
  // The loading screen's progress texts, as the page shows them (a reader of the wasm's stream).
  await page.addInitScript(() => {
    window.__loadingTexts = [];
    document.addEventListener("DOMContentLoaded", () => {
      const text = document.getElementById("loading-text");
      new MutationObserver(() => window.__loadingTexts.push(text.textContent)).observe(text, { childList: true, characterData: true, subtree: true });
    });
  });
  const started = Date.now();
  // `--title`: stay on the title screen (what the frame costs without the arena).
  const onTitle = process.argv.includes("--title");
  const pin = PINNED_SCALE === null ? "" : `&render-scale=${PINNED_SCALE}`;
  await page.goto(`${url}?name=frames${onTitle ? "" : "&autoplay=1"}${pin}`);
  const first = await waitForLine(lines, /driftfire: first frame/, "the first frame", 180000);
  checkProgress(await page.evaluate(() => window.__loadingTexts));
  if (onTitle) {
    await sleep(3000);
    const measured = await countFrames(page, SECONDS);
    console.log(`title screen: ${measured.fps.toFixed(1)} fps, ${WIDTH}x${HEIGHT}, SwiftShader`);
  } else {
    await inTheArena(browser, page, lines, started, first);
  }
}

let failed = false;
try {
  const serverArgs = ["--min-ships", String(SHIPS)];
  const browserArgs = [...CHROMIUM_FLAGS, `--window-size=${WIDTH},${HEIGHT}`];
  await withServerAndBrowser({ dataDir: freshArtifactDir("frames-data"), serverArgs, browserArgs }, measure);
} catch (error) {
  failed = true;
  console.error(`frames FAILED: ${error.message}`);
}
process.exitCode = failed ? 1 : 0;

/// The loading bar showed the wasm's download as it came: several steps of "n / total MB",
/// rising, never past the total, reaching it.
function checkProgress(texts) {
  const steps = texts.map((t) => t.match(/([0-9.]+) \/ ([0-9.]+) MB/)).filter(Boolean).map((m) => [Number(m[1]), Number(m[2])]);
  const rising = steps.every(([current, total], i) => current <= total && (i === 0 || current >= steps[i - 1][0]));
  // The last step streamed (before the loader's own "done" step) is near the total: the total
  // is the size of the file that comes.
  const done = steps.length > 1 && steps[steps.length - 2][0] >= 0.9 * steps[steps.length - 2][1];
  if (steps.length < 3 || !rising || !done) throw new Error(`the loading bar did not show the download: ${JSON.stringify(texts.slice(0, 8))}…`);
  console.log(`loading bar: ${steps.length} steps up to ${steps[steps.length - 1][1]} MB`);
}

/// Frames the browser presents over `seconds` (each a requestAnimationFrame callback: the game
/// draws in those), with the gaps between them.
async function countFrames(page, seconds) {
  const measured = await page.evaluate((seconds) => new Promise((resolve) => {
    const gaps = [];
    let last = performance.now();
    const start = last;
    const linesBefore = window.__textLines;
    const frame = (now) => {
      gaps.push(now - last);
      last = now;
      if (now - start < seconds * 1000) requestAnimationFrame(frame);
      else resolve({ frames: gaps.length, ms: now - start, gaps, textLines: window.__textLines - linesBefore });
    };
    requestAnimationFrame(frame);
  }), seconds);
  measured.gaps.sort((a, b) => a - b);
  measured.fps = measured.frames / (measured.ms / 1000);
  return measured;
}

/// Plays in the crowded arena and reports its frame rate; throws when under the floor.
async function inTheArena(browser, page, lines, started, first) {
  const joined = await waitForLine(lines, /driftfire: joined as/, "joining", 60000);
  const crowded = await waitForLine(lines, new RegExp(`driftfire: ships=(${SHIPS}|[2-9][0-9])\\b`), `${SHIPS} ships in view`, 60000);
  console.log(`page load -> first frame ${first.at - started} ms, -> in the arena ${joined.at - started} ms, -> ${SHIPS} ships in view ${crowded.at - started} ms`);

  // Fly and fire the whole time: the frame has flames, shots and hits to draw.
  await page.mouse.move(900, 300);
  await page.keyboard.down("w");
  await page.mouse.down();
  await sleep(WARM_UP_SECONDS * 1000);
  const scaleAt = () => {
    const reported = lastMatch(lines, /driftfire: render scale ([0-9.]+)/);
    return reported ? Number(reported[1]) : (PINNED_SCALE ?? 1);
  };
  const scaleBefore = scaleAt();
  if (process.argv.includes("--log-frame")) {
    const frame = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => {
      window.__frameLog = [];
      requestAnimationFrame(() => { resolve(window.__frameLog); window.__frameLog = null; });
    })));
    console.log(`one frame's clears and draws (mode(args) program -> target):\n  ${frame.join("\n  ")}`);
  }
  const tracing = process.argv.includes("--trace");
  if (tracing) await browser.startTracing(page, { path: path.join(artifacts, "frames-trace.json"), categories: ["toplevel", "disabled-by-default-devtools.timeline", "devtools.timeline", "gpu", "viz"] });
  const measured = await countFrames(page, SECONDS);
  if (tracing) await browser.stopTracing();
  if (process.argv.includes("--count-gl")) {
    const counts = await page.evaluate(() => window.__glCounts);
    const perFrame = Object.entries(counts).map(([k, v]) => [k, v / measured.frames]).sort((x, y) => y[1] - x[1]);
    console.log(`WebGL calls per frame (all ${measured.frames} frames of the run plus loading):`);
    for (const [k, v] of perFrame) console.log(`  ${k}: ${v.toFixed(1)}`);
  }
  await page.mouse.up();
  await page.keyboard.up("w");
  const ships = Number(lastMatch(lines, /driftfire: ships=(\d+)/)[1]);
  const { gaps, fps } = measured;
  const scale = scaleAt();
  const scaleNote = scale === scaleBefore ? `render scale ${scale}` : `render scale ${scaleBefore} -> ${scale} during the run`;
  const drawn = `${Math.round(WIDTH * scale)}x${Math.round(HEIGHT * scale)}`;
  const p95 = gaps[Math.floor(gaps.length * 0.95)];
  await page.screenshot({ path: path.join(artifacts, "frames.png") });
  console.log(
    `frames: ${fps.toFixed(1)} fps over ${(measured.ms / 1000).toFixed(1)} s (${measured.frames} frames, median frame ` +
      `${gaps[Math.floor(gaps.length / 2)].toFixed(1)} ms, p95 ${p95.toFixed(1)} ms) with ${ships} ships in view, ${WIDTH}x${HEIGHT} (${scaleNote}${PINNED_SCALE === null ? "" : ", pinned"}: ${drawn} drawn), SwiftShader; ` +
      `${measured.textLines} text lines drawn by the text engine`,
  );
  if (ships < SHIPS) throw new Error(`only ${ships} ships in view at the end`);
  if (fps < MIN_FPS) throw new Error(`${fps.toFixed(1)} fps is under the floor of ${MIN_FPS}`);
}
