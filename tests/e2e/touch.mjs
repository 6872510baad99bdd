// Touch end-to-end test: a phone in headless Chromium (390×844, touch, mobile viewport, 2×
// pixels) against the real server serving dist/ (built by scripts/test.sh). It plays as a phone
// user would: the title screen fits upright and sideways, a tap on the name field gives the
// page's text box the keyboard, a tap on Play enters the game, the virtual stick (dragged with
// CDP touch events) aims and thrusts while a second finger fires, the chat button opens a text
// box that sends a line, and neither pinching nor swiping scrolls or zooms the page. All of it
// at a render scale of 0.8 (the canvas drawn with fewer pixels and scaled up, as on a slow phone).
// Screenshots go to e2e-artifacts/touch-*.png.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import {
  captureConsole, decodePng, failer, firstMatch, screenshotLuminance, serverStatus, sleep, waitFor as waitUntil,
  withServerAndBrowser,
} from "./server.mjs";

const PORTRAIT = { width: 390, height: 844 };
const LANDSCAPE = { width: 844, height: 390 };
const NAME = "thumb-pilot";
const RENDER_SCALE = 0.8;

const lines = [];
let passed = 0;

const fail = failer("touch e2e", () => [["", lines, 30]]);

function check(what, ok, detail = "") {
  if (!ok) fail(`${what}${detail ? `: ${detail}` : ""}`);
  passed++;
  console.log(`ok ${passed} - ${what}${detail ? ` (${detail})` : ""}`);
}

const waitFor = (what, predicate, timeoutMs) => waitUntil(what, predicate, timeoutMs, fail, 100);

/// The first console line from index `from` on matching `re`.
const lineAfter = (from, re) => firstMatch(lines, re, from);

async function screenshot(page, name) {
  const { png, stddev } = await screenshotLuminance(page, `touch-${name}`);
  check(`screenshot touch-${name}.png shows a rendered screen`, stddev >= 4, `luminance stddev ${stddev.toFixed(1)}`);
  return png;
}

/// Whether a pixel has the UI's accent colour (a field's or button's border).
function accent(png, x, y) {
  const i = (png.width * y + x) * 4;
  const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
  return r < 150 && g > 160 && b > 215;
}

/// The centre (CSS pixels) of the first accent-bordered box straight below `belowY` in the
/// column at `x`: on the title screen, below the name field, that is Play.
function boxBelow(png, scale, x, belowY) {
  const px = Math.round(x * scale);
  let top = null;
  for (let y = Math.round(belowY * scale) + 2; y < png.height; y++) {
    const on = accent(png, px, y);
    if (top === null && on) top = y;
    else if (top !== null && on && y - top > 20 * scale) return { x, y: (top + y) / 2 / scale };
  }
  return null;
}

/// What the page itself says about scrolling and zoom.
const pageMetrics = (page) => page.evaluate(() => ({
  scrollX: window.scrollX, scrollY: window.scrollY,
  scale: window.visualViewport ? window.visualViewport.scale : 1,
  scrollHeight: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth,
  innerHeight: window.innerHeight, innerWidth: window.innerWidth,
  bodyScroll: document.body.scrollTop,
}));

function checkStill(what, m) {
  const ok = m.scrollX === 0 && m.scrollY === 0 && m.bodyScroll === 0 && Math.abs(m.scale - 1) < 1e-6
    && m.scrollHeight <= m.innerHeight && m.scrollWidth <= m.innerWidth;
  check(`${what}: no scroll, no zoom, no scroll bars`, ok, JSON.stringify(m));
}

/// The page's text box's rectangle (CSS pixels) while the game shows it.
const entryRect = (page) => page.evaluate(() => {
  const e = document.getElementById("text-entry");
  if (!e || getComputedStyle(e).display === "none") return null;
  const r = e.getBoundingClientRect();
  return r.width > 0 ? { x: r.x, y: r.y, width: r.width, height: r.height } : null;
});
const entryFocused = (page) => page.evaluate(() => document.activeElement && document.activeElement.id === "text-entry");

async function touchTest(browser, url) {
  const context = await browser.newContext({ viewport: PORTRAIT, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  // Chromium's device emulation does not scale `devicePixelContentBoxSize` by the emulated
  // pixel ratio (a real phone does): winit would take the canvas's CSS pixels for device pixels
  // and the game would see a 195×422 window. Without the property winit measures the canvas as
  // it does on Safari (CSS size × devicePixelRatio), which is right here.
  await context.addInitScript(() => { delete ResizeObserverEntry.prototype.devicePixelContentBoxSize; });
  const page = await context.newPage();
  captureConsole(page, lines, { label: "phone" });
  const cdp = await context.newCDPSession(page);
  // At a render scale under 1 (a slow phone's; pinned so every run is the same): the canvas
  // has fewer pixels than the screen, and taps, the text box and the UI must still line up.
  await page.goto(`${url}?render-scale=${RENDER_SCALE}`);

  // The title screen, upright: the phone arrangement, fitted.
  await waitFor("the first frame", () => lineAfter(0, /driftfire: first frame/), 180000);
  await waitFor("the pinned render scale", () => lineAfter(0, new RegExp(`driftfire: render scale ${RENDER_SCALE.toFixed(2)} \\(pinned\\)`)), 10000);
  const portrait = await waitFor("the portrait layout", () => lineAfter(0, /driftfire: layout portrait 390x844 scale ([\d.]+)/), 30000);
  await waitFor("the title screen's hall of fame", () => lineAfter(0, /driftfire: hall of fame all/), 60000);
  await waitFor("the page's text box over the name field", () => entryRect(page), 30000);
  await sleep(1500);
  checkStill("title screen", await pageMetrics(page));
  await screenshot(page, "title-portrait");

  // Sideways: the title screen is rebuilt for landscape.
  let mark = lines.length;
  await page.setViewportSize(LANDSCAPE);
  const landscape = await waitFor("the landscape layout", () => lineAfter(mark, /driftfire: layout landscape 844x390 scale ([\d.]+)/), 30000);
  await sleep(2000);
  const field = await waitFor("the name field in landscape", () => entryRect(page), 10000);
  check("the name field fits the landscape screen", field.x >= 0 && field.y >= 0 && field.x + field.width <= LANDSCAPE.width && field.y + field.height <= LANDSCAPE.height, JSON.stringify(field));
  await screenshot(page, "title-landscape");
  check("landscape and portrait are scaled to fit", Number(landscape[1]) < 1 && Number(portrait[1]) < 1, `portrait ${portrait[1]}, landscape ${landscape[1]}`);

  // Upright again; tap the name field: the page's text box takes the keyboard.
  mark = lines.length;
  await page.setViewportSize(PORTRAIT);
  await waitFor("the portrait layout again", () => lineAfter(mark, /driftfire: layout portrait 390x844/), 30000);
  await sleep(2000);
  const nameBox = await waitFor("the name field", () => entryRect(page), 10000);
  check("the name field fits the portrait screen", nameBox.x >= 0 && nameBox.x + nameBox.width <= PORTRAIT.width, JSON.stringify(nameBox));
  const title = decodePng(await page.screenshot());
  await page.touchscreen.tap(nameBox.x + nameBox.width / 2, nameBox.y + nameBox.height / 2);
  await waitFor("the text box to take the focus", () => entryFocused(page), 5000);
  await page.keyboard.press("Control+A");
  await page.keyboard.type(NAME, { delay: 20 });
  await sleep(300);
  await page.keyboard.press("Escape");
  await waitFor("the text box to give the focus back", async () => !(await entryFocused(page)), 5000);
  check("tapping the name field focused the page's text box", true);

  // Tap Play: the accent-bordered box below the name field.
  const scale = title.width / PORTRAIT.width;
  const play = boxBelow(title, scale, nameBox.x + nameBox.width / 2, nameBox.y + nameBox.height);
  if (!play) fail("no Play button found below the name field");
  await page.touchscreen.tap(play.x, play.y + 2);
  const joined = await waitFor("joining the game", () => lineAfter(0, /driftfire: joined as (\S+) \(id (\d+)\)/), 60000);
  check("Play was tapped and the typed name was used", joined[1] === NAME, joined[0]);
  const id = joined[2];
  await waitFor("your ship", () => lineAfter(0, new RegExp(`driftfire: me id=${id} `)), 60000);
  const status = await serverStatus(url);
  check("the server sees the player", status.players >= 1, `players=${status.players}`);

  // The stick: a thumb lands mid-left (the stick centres there), drags up and right: 45°,
  // thrust. A second finger on the right half fires at the same time.
  const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points.map(([x, y], id) => ({ x, y, id })) });
  mark = lines.length;
  const stick = [120, 560];
  await touch("touchStart", [stick]);
  await sleep(150);
  for (let step = 1; step <= 5; step++) {
    await touch("touchMove", [[stick[0] + 10 * step, stick[1] - 10 * step]]);
    await sleep(50);
  }
  const pushed = [stick[0] + 50, stick[1] - 50];
  await touch("touchStart", [pushed, [300, 700]]);
  await waitFor("the touch controls to show", () => lineAfter(0, /driftfire: touch controls shown/), 10000);
  const both = await waitFor("the stick at 45° with thrust and fire", () => lineAfter(mark, /driftfire: touch stick aim=(-?\d+) thrust=true fire=true/), 10000);
  check("stick aims up-right and thrusts while the other thumb fires", Math.abs(Number(both[1]) - 45) <= 3, both[0]);
  const meMark = lines.length;
  await waitFor("an input frame with thrust and fire", () => lineAfter(meMark, /driftfire: me id=\d+ .*thrust=true fire=true/), 10000);
  check("the game's inputs carry the stick's thrust and the button's fire", true);
  await screenshot(page, "game-portrait");

  // The thumb swings down: aim -90°; the fire finger lifts; then the stick.
  mark = lines.length;
  await touch("touchMove", [[stick[0], stick[1] + 60], [300, 700]]);
  const down = await waitFor("the stick aiming down", () => lineAfter(mark, /driftfire: touch stick aim=(-?\d+) thrust=true/), 10000);
  check("the stick's direction is the aim", Math.abs(Number(down[1]) + 90) <= 3, down[0]);
  await touch("touchMove", [[stick[0], stick[1] + 60]]);
  await sleep(100);
  await touch("touchEnd", []);
  const released = await waitFor("everything released", () => lineAfter(mark, /driftfire: touch stick aim=-?\d+ thrust=false fire=false/), 10000);
  check("lifting both thumbs stops thrust and fire", true, released[0]);

  // Pinching and swiping the canvas neither zooms nor scrolls the page.
  await touch("touchStart", [[150, 420], [240, 420]]);
  for (let step = 1; step <= 8; step++) {
    await touch("touchMove", [[150 - 12 * step, 420 - 20 * step], [240 + 12 * step, 420 + 20 * step]]);
    await sleep(30);
  }
  await touch("touchEnd", []);
  await Promise.race([
    cdp.send("Input.synthesizePinchGesture", { x: 195, y: 420, scaleFactor: 2.5, gestureSourceType: "touch" }).catch(() => {}),
    sleep(5000),
  ]);
  await Promise.race([
    cdp.send("Input.synthesizeScrollGesture", { x: 195, y: 600, yDistance: -500, gestureSourceType: "touch" }).catch(() => {}),
    sleep(5000),
  ]);
  await sleep(500);
  checkStill("after pinching and swiping", await pageMetrics(page));

  // Chat: tap the chat button (the page's text box over it), type, Enter.
  const chatBox = await waitFor("the chat button's text box", () => entryRect(page), 10000);
  await page.touchscreen.tap(chatBox.x + chatBox.width / 2, chatBox.y + chatBox.height / 2);
  await waitFor("the chat text box to take the focus", () => entryFocused(page), 5000);
  await page.keyboard.type("hello from a phone");
  await page.keyboard.press("Enter");
  const said = await waitFor("the chat line to come back", () => lineAfter(0, new RegExp(`driftfire: chat ${NAME}: hello from a phone`)), 20000);
  check("the chat button opened a text box whose line reached the room", true, said[0]);
  checkStill("after typing a chat line", await pageMetrics(page));

  // Sideways in the game.
  mark = lines.length;
  await page.setViewportSize(LANDSCAPE);
  await waitFor("the landscape layout in the game", () => lineAfter(mark, /driftfire: layout landscape 844x390/), 30000);
  await sleep(2000);
  await screenshot(page, "game-landscape");
  checkStill("in the game, sideways", await pageMetrics(page));
  await context.close();
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), "driftfire-touch-"));
try {
  await withServerAndBrowser({ dataDir }, async (browser, url) => {
    await touchTest(browser, url);
    console.log(`touch e2e: ${passed} passed, 0 failed`);
  });
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
