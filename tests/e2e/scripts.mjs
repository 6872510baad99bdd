// Every script, in a real browser: eight pages named in eight scripts (Cyrillic, CJK, Arabic,
// Hebrew, Devanagari, Thai, Latin with diacritics, emoji) join one private room; the first page
// must have drawn every name through the text engine — as its ship's name tag and in a
// leaderboard line — and each drawn line's pixels must be what the page's own canvas draws for
// the same string (every canvas text draw is recorded by a script the test adds to the page: its
// text, font, colour, direction, size, and a hash of the pixels read back for the atlas), with no
// cluster of a name drawn as the missing-glyph box or U+FFFD. A chat line typed
// through an input method (CDP's Input.imeSetComposition, then Input.insertText) on one page
// reaches the first. The first page's screenshot goes to e2e-artifacts/every-script.png (and,
// with --update-docs, to docs/every-script.png).
import { copyFileSync } from "node:fs";
import path from "node:path";

import {
  CHROMIUM_FLAGS, captureConsole, failer, freshArtifactDir, lastMatch, root, screenshotLuminance, waitFor as waitUntil,
  withServerAndBrowser,
} from "./server.mjs";

/// One name a script; the last is an emoji ZWJ sequence (a woman astronaut) and a skin tone.
const NAMES = ["Дмитрий", "李小龍", "محمد", "דוד", "अर्जुन", "สมชาย", "Łukasz Zoë", "👩‍🚀Ace👍🏽"];
const CHAT = "你好，世界";

const pages = [];
const fail = failer("scripts e2e", () => pages.map((p) => [` of ${p.name}`, p.lines, 15]));
const waitFor = (what, predicate, timeoutMs) => waitUntil(what, predicate, timeoutMs, fail);

/// Added to every page before the game loads: records each canvas 2D `fillText` (what the text
/// engine draws a line with) and, when its pixels are read back, their FNV-1a hash, in
/// `driftfireWritten` (the newest 1,000).
function recordCanvasText() {
  const lines = (globalThis.driftfireWritten = []);
  const drawn = new WeakMap();
  const proto = CanvasRenderingContext2D.prototype;
  const fillText = proto.fillText;
  proto.fillText = function (text, x, y, ...rest) {
    const line = { text, font: this.font, fill: this.fillStyle, direction: this.direction, width: this.canvas.width, height: this.canvas.height };
    drawn.set(this, line);
    if (lines.push(line) > 1000) lines.shift();
    return fillText.call(this, text, x, y, ...rest);
  };
  const getImageData = proto.getImageData;
  proto.getImageData = function (...args) {
    const image = getImageData.apply(this, args);
    const line = drawn.get(this);
    if (line && line.hash === undefined) {
      let hash = 0x811c9dc5;
      for (let i = 0; i < image.data.length; i++) hash = Math.imul(hash ^ image.data[i], 0x01000193) >>> 0;
      line.hash = hash;
    }
    return image;
  };
}

async function openPage(browser, url, name, query, viewport) {
  const context = await browser.newContext({ viewport });
  await context.addInitScript(recordCanvasText);
  const page = await context.newPage();
  const lines = captureConsole(page, [], { label: name });
  await page.goto(`${url}?name=${encodeURIComponent(name)}&autoplay=1${query}`);
  const opened = { page, lines, name };
  pages.push(opened);
  return opened;
}

const joined = (p) => p.lines.find((l) => l.text.startsWith(`driftfire: joined as ${p.name} (id `));

/// The lines the page's canvas text was drawn and read back for (the text engine's).
const drawnLines = (page) => page.evaluate(() => (globalThis.driftfireWritten || []).filter((l) => l.hash !== undefined).map((l) => ({ ...l })));

/// In the page: `line` drawn again with the page's own canvas exactly as recorded, hashed the
/// same way (FNV-1a over the RGBA bytes the canvas gives back).
function redraw(page, line) {
  return page.evaluate((line) => {
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    canvas.width = line.width;
    canvas.height = line.height;
    context.font = line.font;
    context.direction = line.direction;
    context.textBaseline = "middle";
    context.fillStyle = line.fill;
    context.fillText(line.text, line.direction === "rtl" ? line.width : 0, line.height / 2);
    const data = context.getImageData(0, 0, line.width, line.height).data;
    let hash = 0x811c9dc5;
    for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 0x01000193) >>> 0;
    return hash;
  }, line);
}

/// In the page: the grapheme clusters of `text` (whitespace left out) that the page's canvas
/// draws exactly as it draws a character no font has (the missing-glyph box) or U+FFFD.
function missingClusters(page, text, font) {
  return page.evaluate(({ text, font }) => {
    const draw = (s) => {
      const canvas = document.createElement("canvas");
      canvas.width = 96;
      canvas.height = 64;
      const context = canvas.getContext("2d", { willReadFrequently: true });
      context.font = font;
      context.textBaseline = "middle";
      context.fillStyle = "#fff";
      context.fillText(s, 8, 32);
      return Array.from(context.getImageData(0, 0, 96, 64).data).join();
    };
    const marks = [draw("\u0378"), draw("\uFFFD")];
    const clusters = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].map((s) => s.segment);
    return clusters.filter((c) => c.trim() && marks.includes(draw(c)));
  }, { text, font });
}

async function everyScript(browser, url) {
  const first = await openPage(browser, url, NAMES[0], "&room=new", { width: 1280, height: 720 });
  await waitFor(`${first.name} to join`, () => joined(first), 180000);
  const code = lastMatch(first.lines, /driftfire: joined as .* in room (\w+) private/)?.[1] || fail("the first page did not open a private room");
  console.log(`${first.name} opened private room ${code}`);
  // The others small and at a quarter of the pixels: eight software-rendered pages share two
  // cores. One at a time, as players arrive.
  for (const name of NAMES.slice(1)) {
    const p = await openPage(browser, url, name, `&room=${code.toLowerCase()}&render-scale=0.5`, { width: 640, height: 400 });
    await waitFor(`${name} to join`, () => joined(p), 180000);
  }
  await waitFor("the first page to see eight ships", () => first.lines.some((l) => /driftfire: ships=8\b/.test(l.text)), 60000);

  // Every name drawn by the engine, as a name tag (the name alone) and in a leaderboard line.
  const drawn = await waitFor("every name drawn as a name tag and a leaderboard line", async () => {
    const lines = await drawnLines(first.page);
    const complete = NAMES.every((name) => lines.some((l) => l.text === name) && lines.some((l) => l.text !== name && l.text.includes(name)));
    return complete && lines;
  }, 30000);
  let compared = 0;
  for (const name of NAMES) {
    const mine = drawn.filter((l) => l.text === name || l.text.includes(name));
    for (const line of mine) {
      const again = await redraw(first.page, line);
      if (again !== line.hash) fail(`"${line.text}" drawn by the engine (hash ${line.hash}) differs from the page's own canvas (${again})`);
      compared++;
    }
    const missing = await missingClusters(first.page, name, mine[0].font);
    if (missing.length) fail(`"${name}": ${JSON.stringify(missing)} drawn as the missing-glyph box or U+FFFD`);
  }
  console.log(`every script: ${NAMES.length} names drawn by the text engine, ${compared} lines equal to the page's own canvas, no missing glyphs`);

  // A chat line through an input method: Enter gives the keys to the page's text box, a
  // composition runs and is committed, Enter sends.
  const typist = pages[1];
  await typist.page.locator("canvas").focus();
  await typist.page.keyboard.press("Enter");
  await waitFor("the chat line's text box to take the keys", () =>
    typist.page.evaluate(() => document.activeElement && document.activeElement.id === "text-entry"), 10000);
  const cdp = await typist.page.context().newCDPSession(typist.page);
  await cdp.send("Input.imeSetComposition", { text: "ni", selectionStart: 2, selectionEnd: 2 });
  await cdp.send("Input.imeSetComposition", { text: "你好", selectionStart: 2, selectionEnd: 2 });
  await cdp.send("Input.insertText", { text: CHAT });
  await typist.page.keyboard.press("Enter");
  await waitFor(`${first.name} to read the composed line`, () => first.lines.find((l) => l.text === `driftfire: chat ${typist.name}: ${CHAT}`), 20000);
  const chatDrawn = await waitFor("the chat line drawn by the engine", async () =>
    (await drawnLines(first.page)).find((l) => l.text.includes(CHAT)), 10000);
  if ((await missingClusters(first.page, CHAT, chatDrawn.font)).length) fail("the chat line has missing glyphs");
  console.log(`chat: ${first.name} read and drew a line composed through an input method`);

  await first.page.waitForTimeout(1000);
  const { file, stddev } = await screenshotLuminance(first.page, "every-script");
  if (stddev < 4) fail(`every-script.png looks blank (stddev ${stddev})`);
  if (process.argv.includes("--update-docs")) copyFileSync(file, path.join(root, "docs/every-script.png"));
  console.log(`every-script.png: stddev ${stddev.toFixed(1)}`);
  console.log("scripts e2e: 1 passed, 0 failed");
}

await withServerAndBrowser({ dataDir: freshArtifactDir("scripts-data"), browserArgs: [...CHROMIUM_FLAGS, "--window-size=1280,720"] }, everyScript)
  .catch((error) => {
    console.error(`scripts e2e FAILED: ${error.message}`);
    process.exitCode = 1;
  });
