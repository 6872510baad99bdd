// Real-browser end-to-end test: builds nothing (scripts/test.sh built dist/ and the server),
// starts the real server on a free port serving dist/, and plays as two people would: page A
// opens a private room (?room=new), page B follows A's share link (?room=CODE) through a TCP
// proxy; both see both ships, keyboard and mouse input move a ship and fire, A's chat line
// reaches B, B survives 20 s frozen in the background (longer than the idle timeout), and when
// the proxy cuts B's connection B reconnects by itself into the same session, as it does after
// a reload of its tab; a third person's title screen lists the room. All the while another
// page floods the server with bad clients. Screenshots must show a rendered game.
//
// `node tests/e2e/browser.mjs --bench-first-frame` instead measures page load → first rendered
// frame, five times, and prints the median (BENCHMARKS.md).
import net from "node:net";
import { copyFileSync } from "node:fs";
import path from "node:path";

import {
  CHROMIUM_FLAGS, artifacts, captureConsole, failer, freshArtifactDir, lastMatch, luminanceStddev, screenshotLuminance,
  serverStatus as status, sleep, waitFor as waitUntil, withServerAndBrowser,
} from "./server.mjs";

const BROWSER_FLAGS = [...CHROMIUM_FLAGS, "--window-size=1280,720"];

const openPages = [];

const fail = failer("e2e", () => openPages.map((p) => [` of ${p.name}`, p.lines, 25]));

const waitFor = (what, predicate, timeoutMs) => waitUntil(what, predicate, timeoutMs, fail);

function openPage(browser, url, name, query = "", autoplay = true) {
  return (async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const lines = captureConsole(page, [], { label: name, warnings: true });
    const started = Date.now();
    await page.goto(`${url}?name=${name}${autoplay ? "&autoplay=1" : ""}${query}`);
    const opened = { page, lines, started, name };
    openPages.push(opened);
    return opened;
  })();
}

/// A TCP proxy in front of the server whose connections the test can cut, as a flaky network
/// would: no close frame, just a dead stream.
async function startProxy(target) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      sockets.add(from);
      from.pipe(to);
      from.on("error", () => to.destroy());
      from.on("close", () => { sockets.delete(from); to.destroy(); });
    }
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${proxy.address().port}/`,
    cut() { for (const s of sockets) s.resetAndDestroy ? s.resetAndDestroy() : s.destroy(); },
    close() { this.cut(); proxy.close(); },
  };
}

/// A page that keeps ~12 bad clients churning against the server: garbage bytes, text frames,
/// oversize frames, an Input before Hello, a Hello from another protocol version, and silence.
/// Counts how each socket was closed.
async function startFlood(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  // A page of the server's own origin: Chromium blocks sockets from opaque origins to loopback.
  await page.goto(new URL("healthz", url).href);
  const wsUrl = url.replace("http://", "ws://") + "ws";
  await page.evaluate((wsUrl) => {
    window.flood = { opened: 0, closes: {} };
    const payloads = [
      () => crypto.getRandomValues(new Uint8Array(40)),
      () => "not binary",
      () => new Uint8Array(64 * 1024),
      () => new Uint8Array([2, 1, 0, 0, 0, 0, 0, 0, 0]),
      () => new Uint8Array([0, 99, 1, 120, 0, 0]),
      () => null,
    ];
    let n = 0;
    const launch = () => {
      const ws = new WebSocket(wsUrl);
      ws.binaryType = "arraybuffer";
      const payload = payloads[n++ % payloads.length]();
      window.flood.opened++;
      ws.onopen = () => { if (payload !== null) ws.send(payload); };
      ws.onclose = (e) => {
        window.flood.closes[e.code] = (window.flood.closes[e.code] || 0) + 1;
        if (!window.flood.stop) setTimeout(launch, 100);
      };
    };
    for (let i = 0; i < 12; i++) launch();
  }, wsUrl);
  return {
    async stop() {
      const stats = await page.evaluate(() => { window.flood.stop = true; return window.flood; });
      await context.close();
      return stats;
    },
  };
}

async function endToEnd(browser, url) {
  // The second tab opens once the first is in the game, as a second player would: two pages
  // compiling shaders in software at once on two cores can stall a page's main thread (and so
  // its socket's open event) for longer than the server's handshake timeout.
  const a = await openPage(browser, url, "e2e-a", "&room=new");
  await waitFor("e2e-a to join", () => lastMatch(a.lines, /driftfire: ships=1\b/), 180000);
  const joined = lastMatch(a.lines, /driftfire: joined as e2e-a \(id \d+\) in room (\w+) private/);
  if (!joined) fail("e2e-a did not report its private room");
  const code = joined[1];
  console.log(`e2e-a opened private room ${code}`);
  const flood = await startFlood(browser, url);
  const proxy = await startProxy(url);
  // B follows A's share link, through the proxy the test can cut.
  const b = await openPage(browser, proxy.url, "e2e-b", `&room=${code.toLowerCase()}`);
  for (const p of [a, b]) {
    await waitFor(`${p.name} to see 2 ships`, () => lastMatch(p.lines, /driftfire: ships=2\b/), 180000);
  }
  const s = await status(url);
  if (s.players !== 2) fail(`/api/status players=${s.players}, expected 2`);
  if (s.rooms !== 1 || !s.room_list[0].private) fail(`expected one private room, status says ${JSON.stringify(s.room_list)}`);
  console.log(`status: players=${s.players} rooms=${s.rooms} tick_p99_ms=${s.tick_p99_ms.toFixed(2)}`);
  const bJoined = lastMatch(b.lines, /driftfire: joined as e2e-b \(id (\d+)\) in room (\w+)/);
  if (!bJoined || bJoined[2] !== code) fail(`e2e-b is not in room ${code}`);
  const bId = bJoined[1];

  // Player A: hold W and the left mouse button.
  const report = /me id=\d+ x=(-?\d+) y=(-?\d+) travelled=(\d+) my_bullets_seen=(\d+)/;
  const before = await waitFor("A's position report", () => lastMatch(a.lines, report), 20000);
  // Aim at the arena's centre (the ship sits at the screen's centre; screen y points down):
  // toward a nearby wall, bullets would leave the arena before any snapshot could show them.
  const [bx, by] = [Number(before[1]), Number(before[2])];
  const len = Math.hypot(bx, by) || 1;
  await a.page.mouse.move(640 - (bx / len) * 300, 360 + (by / len) * 300);
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

  // Chat: Enter opens the line on A in the page's text box (input methods work there), typing
  // fills it, Enter sends it to the room.
  await a.page.keyboard.press("Enter");
  await waitFor("A's chat text box to take the keys", () =>
    a.page.evaluate(() => document.activeElement && document.activeElement.id === "text-entry"), 10000);
  await a.page.keyboard.type("hello from a");
  await a.page.keyboard.press("Enter");
  await waitFor("B to read A's chat line", () => lastMatch(b.lines, /driftfire: chat e2e-a: hello from a/), 20000);
  console.log("chat: B read A's line");

  for (const p of [a, b]) {
    const { stddev } = await screenshotLuminance(p.page, p.name);
    console.log(`${p.name}.png luminance stddev ${stddev.toFixed(2)}`);
    if (stddev < 4) fail(`${p.name} screenshot looks blank (stddev ${stddev})`);
  }
  copyFileSync(path.join(artifacts, "e2e-a.png"), path.join(artifacts, "screenshot.png"));

  // A tab in the background: B's page is frozen (no frames, no timers, no callbacks: more than
  // a hidden tab's throttling) for longer than the server's 15 s idle timeout. The browser's
  // network stack still answers the server's pings, so B must still be there afterwards.
  const cdp = await b.page.context().newCDPSession(b.page);
  await cdp.send("Page.setWebLifecycleState", { state: "frozen" });
  await sleep(20000);
  const during = await status(url);
  await cdp.send("Page.setWebLifecycleState", { state: "active" });
  if (during.players !== 2) fail(`a frozen tab was dropped: players=${during.players}`);
  const mark = b.lines.length;
  await waitFor("B to play on after being frozen", () => b.lines.slice(mark).some((l) => l.text.includes(`me id=${bId} `)), 30000);
  if (b.lines.some((l) => /connection lost|disconnected/.test(l.text))) fail("B lost its connection while frozen");
  if (a.lines.some((l) => /e2e-b lost connection/.test(l.text))) fail("A was told B dropped while B was frozen");
  console.log("hidden tab: B stayed connected through 20 s frozen");

  // The network fails under B: the proxy resets its connection. B reconnects by itself, with
  // backoff, and resumes: same id, same room.
  const cutAt = b.lines.length;
  const cutStarted = Date.now();
  proxy.cut();
  await waitFor("B to notice the drop", () => b.lines.slice(cutAt).some((l) => /reconnecting, attempt 1/.test(l.text)), 20000);
  const resumed = await waitFor("B to resume", () => {
    for (const l of b.lines.slice(cutAt)) {
      const m = l.text.match(/driftfire: joined as e2e-b \(id (\d+)\) in room (\w+) \w+ \((\w+)[,)]/);
      if (m) return m;
    }
    return null;
  }, 60000);
  if (resumed[1] !== bId || resumed[2] !== code || resumed[3] !== "Resumed") fail(`B came back as ${resumed[0]}, expected id ${bId} resumed in ${code}`);
  await waitFor("A to see B back", () => lastMatch(a.lines, /driftfire: chat \(server\): e2e-b is back/), 20000);
  const backAt = b.lines.slice(cutAt).find((l) => /driftfire: joined as e2e-b/.test(l.text)).at;
  console.log(`resume: B came back as id ${bId} in room ${code}, ${backAt - cutStarted} ms after the cut`);

  // B reloads the page: the tab kept its resume token, so it is the same pilot again.
  const reloadAt = b.lines.length;
  await b.page.reload();
  const reloaded = await waitFor("B to come back after a reload", () => {
    for (const l of b.lines.slice(reloadAt)) {
      const m = l.text.match(/driftfire: joined as (e2e-b\S*) \(id (\d+)\) in room (\w+) \w+ \((\w+)[,)]/);
      if (m) return m;
    }
    return null;
  }, 120000);
  if (reloaded[2] !== bId || reloaded[4] !== "Resumed") fail(`after a reload B came back as ${reloaded[0]}`);
  console.log(`reload: B came back as id ${bId}, resumed`);

  // A third person on the title screen sees the room in the list: private, 2 players, no code.
  const c = await openPage(browser, url, "e2e-title", "", false);
  const listed = await waitFor("the title screen's room list", () => lastMatch(c.lines, /driftfire: room list: (.*)/), 120000);
  if (!/Private \w+\s+2\/\d+\s+private/.test(listed[1])) fail(`the room list shows ${listed[1]}`);
  console.log(`title screen lists: ${listed[1]}`);
  // ...and the hall of fame's all-time board, read from the server's SQLite file.
  const board = await waitFor("the title screen's hall of fame", () => lastMatch(c.lines, /driftfire: hall of fame all (\d+ entries|unavailable)/), 60000);
  if (board[1] === "unavailable") fail("the hall of fame is unavailable in the browser test");
  console.log(`title screen hall of fame: ${board[1]}`);
  await shoot(c, "title", []);
  await c.page.context().close();

  const stats = await flood.stop();
  const refused = Object.entries(stats.closes).filter(([code]) => ["1003", "1007", "1008", "1009"].includes(code)).reduce((n, [, c]) => n + c, 0);
  console.log(`flood: ${stats.opened} bad sockets opened, closes by code ${JSON.stringify(stats.closes)}`);
  if (refused < 50) fail(`the flood was not refused as expected: ${JSON.stringify(stats)}`);
  const final = await status(url);
  if (final.players !== 2) fail(`players=${final.players} after the flood, expected 2`);
  proxy.close();

  // A lone player in a public room: AI pilots fill it, the HUD and minimap are drawn, and
  // sooner or later a pilot destroys the idle ship: the death screen.
  const lone = await openPage(browser, url, "e2e-hud");
  await waitFor("the HUD", () => lastMatch(lone.lines, /driftfire: hud health=\d+ score=\d+ rank=/), 180000);
  const leaders = await waitFor("leaders on the minimap", () => lastMatch(lone.lines, /driftfire: minimap leaders=([1-9])/), 60000);
  const withPilots = await waitFor("AI pilots", async () => { const s = await status(url); return s.ai_pilots > 0 ? s : null; }, 30000);
  console.log(`lone player: ${withPilots.ai_pilots} AI pilots, minimap shows ${leaders[1]} leaders`);
  await sleep(1500);
  await shoot(lone, "play", [["minimap", 1280 - 190, 720 - 190, 190, 190], ["score", 540, 0, 200, 90], ["hull", 440, 620, 400, 100], ["leaderboard", 1000, 0, 280, 260]]);
  copyFileSync(path.join(artifacts, "play.png"), path.join(artifacts, "screenshot.png"));
  const death = await waitFor("the lone player's death screen", () => lastMatch(lone.lines, /driftfire: death killer=(.*) alive=(\d+) kills=(\d+)/), 180000);
  console.log(`death screen: destroyed by ${death[1]} after ${death[2]} s`);
  await sleep(300);
  await shoot(lone, "death", [["overlay", 440, 100, 400, 170]]);
  await lone.page.context().close();
  console.log("browser e2e: 1 passed, 0 failed");
}

/// Screenshots a page into e2e-artifacts/NAME.png and checks it is not blank, and that each
/// named region [label, x, y, w, h] has something drawn in it (a HUD element over the dark
/// arena has a luminance spread a flat background has not).
async function shoot(p, name, regions) {
  const { png, stddev: whole } = await screenshotLuminance(p.page, name);
  if (whole < 4) fail(`${name} screenshot looks blank (stddev ${whole})`);
  const spreads = regions.map(([label, x, y, w, h]) => {
    const spread = luminanceStddev(png, { x, y, width: w, height: h });
    if (spread < 6) fail(`${name}.png: nothing drawn in the ${label} region (luminance stddev ${spread.toFixed(1)})`);
    return `${label} ${spread.toFixed(1)}`;
  });
  console.log(`${name}.png: stddev ${whole.toFixed(1)}${spreads.length ? `; ${spreads.join(", ")}` : ""}`);
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

// A fresh hall of fame for every run.
const dataDir = freshArtifactDir("e2e-data");
await withServerAndBrowser({ dataDir, browserArgs: BROWSER_FLAGS }, async (browser, url) => {
  if (process.argv.includes("--bench-first-frame")) await benchFirstFrame(browser, url);
  else await endToEnd(browser, url);
});
