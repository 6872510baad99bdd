// A fleet loses a server with a page on it, in real headless Chromium: Redis and two real
// servers, A and B; bots keep a room on A; a page enters through B (`?autoplay=1`), and fleet
// quick play sends it to A's room. A is SIGKILLed: the page's reconnect to A is refused, so it
// goes back through its entrance (B, the page's own origin), which seats it in a new room with
// the score A last recorded in Redis and says so ("Your server went down…"). The page must be in
// a game again within a few seconds, never on the Disconnected screen.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

import {
  artifacts, captureConsole, failer, firstMatch, freshArtifactDir, lastMatch, launchChromium, CHROMIUM_FLAGS,
  sleep, startServer, waitFor as waitUntil,
} from "./server.mjs";

const targetDir = process.env.CARGO_TARGET_DIR || path.join(process.env.HOME, ".cache/driftfire/target");
const lines = [];
const fail = failer("failover", () => [[" of the page", lines, 40]]);
const waitFor = (what, predicate, timeoutMs) => waitUntil(what, predicate, timeoutMs, fail);

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const redisPort = await freePort();
const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
const children = [redis];
let browser = null;
try {
  await sleep(300);
  const redisUrl = `redis://127.0.0.1:${redisPort}/`;
  const a = await startServer(freshArtifactDir("e2e-failover-a"), ["--redis", redisUrl, "--server-id", "a"]);
  children.push(a.server);
  const b = await startServer(freshArtifactDir("e2e-failover-b"), ["--redis", redisUrl, "--server-id", "b"]);
  children.push(b.server);
  const aSocket = `${a.url.replace("http", "ws")}ws`;
  // Two bots keep a room on A: the fullest public room of the fleet, where quick play leads.
  const bots = spawn(path.join(targetDir, "debug/driftfire-bots"), ["--url", aSocket, "--count", "2", "--seconds", "300"], { stdio: "ignore" });
  children.push(bots);
  await sleep(5000); // a heartbeat or two: B's directory lists A's room

  browser = await launchChromium(CHROMIUM_FLAGS);
  const page = await (await browser.newContext({ viewport: { width: 960, height: 600 } })).newPage();
  captureConsole(page, lines, { label: "page", warnings: true });
  await page.goto(`${b.url}?name=Phoenix&autoplay=1`);
  await waitFor("the page in play on A", () => firstMatch(lines, /driftfire: joined as/) && lastMatch(lines, /driftfire: ships=[1-9]/), 120000);
  if (!firstMatch(lines, new RegExp(`redirected to ${aSocket.replace(/[.]/g, "\\.")}`))) fail("quick play at B did not send the page to A");
  await sleep(3000); // a heartbeat: A has stored the page's record
  const joinsBefore = lines.filter((l) => /driftfire: joined as/.test(l.text)).length;

  a.server.kill("SIGKILL");
  const killedAt = Date.now();
  await waitFor("the page in a game again", () => lines.filter((l) => /driftfire: joined as/.test(l.text)).length > joinsBefore, 20000);
  const backAfter = Date.now() - killedAt;
  const rejoin = lastMatch(lines, /driftfire: joined as .*\((\w+), /);
  if (rejoin?.[1] !== "Restored") fail(`expected a Restored welcome, got ${rejoin?.[0]}`);
  if (!lastMatch(lines, /driftfire: server gone; reconnecting through/)) fail("the page did not say it failed over");
  if (!lastMatch(lines, /driftfire: Your server went down: you are in a new room, your score came with you\./)) fail("no note for the player");
  if (lastMatch(lines, /driftfire: disconnected/)) fail("the page went to the Disconnected screen");
  const rejoinedAt = lines.findLastIndex((l) => /driftfire: joined as/.test(l.text));
  await waitFor("the HUD of a live ship again", () => lines.slice(rejoinedAt).some((l) => /driftfire: hud health=[1-9]/.test(l.text)), 10000);
  await page.screenshot({ path: path.join(artifacts, "failover-after.png") });
  console.log(`failover: the page was back in a game ${backAfter} ms after its server was killed (its score restored)`);
} finally {
  if (browser) await browser.close();
  for (const child of children.reverse()) child.kill("SIGKILL");
}
console.log("failover e2e: ok");
