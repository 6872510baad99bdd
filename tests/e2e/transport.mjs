// The page on a real network, in real headless Chromium against the real server serving dist/:
// 1. with QUIC on, the page plays over WebTransport (the development certificate trusted by the
//    hash /api/transport publishes), snapshots arriving as datagrams;
// 2. with UDP refused (a server whose WebTransport listens on another UDP port, and the page told
//    to use the game's port number, where nothing listens on UDP: the browser's QUIC packets get
//    "port unreachable"; the page's CSP allows both), the page plays over the WebSocket, opened
//    within 2 s of the page asking;
// 3. with a WebTransport that never opens (UDP silently dropped), the WebSocket takes over after
//    its 1.2 s head start, still within 2 s;
// 4. a second visit loads the bundle from the browser's cache (the content-hashed files are
//    `immutable`; the page itself is revalidated), and no page breaks the CSP.
import dgram from "node:dgram";

import {
  CHROMIUM_FLAGS, captureConsole, failer, freshArtifactDir, lastMatch, sleep, startServer, launchChromium,
  waitFor as waitUntil,
} from "./server.mjs";

const WITH_QUIC = CHROMIUM_FLAGS.filter((flag) => flag !== "--disable-quic");
const pages = [];
const fail = failer("transport", () => pages.map((p) => [` of ${p.name}`, p.lines, 20]));
const waitFor = (what, predicate, timeoutMs) => waitUntil(what, predicate, timeoutMs, fail);

/// Opens `url` as `name` in `context` and waits until its ship is in play.
async function play(context, url, name, { initScript } = {}) {
  const page = await context.newPage();
  if (initScript) await page.addInitScript(initScript);
  const lines = captureConsole(page, [], { label: name, warnings: true });
  const p = { page, lines, name };
  pages.push(p);
  await page.goto(`${url}?name=${name}&autoplay=1`);
  await waitFor(`${name} in play`, () => lastMatch(lines, /driftfire: ships=[1-9]/), 120000);
  return p;
}

const transportOf = (p) => p.page.evaluate(() => ({ ...window.driftfireTransport }));

function noCspViolations(p) {
  const violation = p.lines.find((l) => /Content Security Policy/.test(l.text));
  if (violation) fail(`${p.name} broke the CSP: ${violation.text}`);
}

const dataDir = freshArtifactDir("e2e-transport");
const { server, url } = await startServer(dataDir);
const servers = [server];
const quic = await launchChromium(WITH_QUIC);
try {
  // 1. WebTransport.
  const context = await quic.newContext({ viewport: { width: 960, height: 600 } });
  const wt = await play(context, url, "wt");
  await sleep(3000);
  const over = await transportOf(wt);
  if (over.name !== "webtransport") fail(`expected WebTransport, got ${JSON.stringify(over)}`);
  if (over.datagramsIn < 60) fail(`too few datagrams in 3 s of play: ${JSON.stringify(over)}`);
  console.log(`webtransport: ${over.datagramsIn} datagrams, ${over.streamIn} stream messages, opened ${over.openedMs.toFixed(0)} ms after asking`);

  // 4. A second visit in the same browser: the bundle comes from the cache.
  const cdpPage = await context.newPage();
  const cdp = await context.newCDPSession(cdpPage);
  await cdp.send("Network.enable");
  const fetched = [];
  cdp.on("Network.responseReceived", (e) => fetched.push({ url: e.response.url, cached: e.response.fromDiskCache || e.response.fromMemoryCache, headers: e.response.headers }));
  const secondLines = captureConsole(cdpPage, [], { label: "second", warnings: true });
  const second = { page: cdpPage, lines: secondLines, name: "second" };
  pages.push(second);
  const started = Date.now();
  await cdpPage.goto(`${url}?name=again`);
  await waitFor("second visit's first frame", () => lastMatch(secondLines, /driftfire: first frame/), 120000);
  const firstFrameMs = Date.now() - started;
  const wasm = fetched.find((f) => /_bg\.wasm$/.test(f.url));
  const page = fetched.find((f) => new URL(f.url).pathname === "/");
  if (!wasm) fail(`the second visit loaded no wasm: ${JSON.stringify(fetched.map((f) => f.url))}`);
  if (!wasm.cached) fail(`the second visit fetched the bundle again: ${JSON.stringify(wasm)}`);
  const header = (f, name) => Object.entries(f.headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? "";
  if (!/immutable/.test(header(wasm, "cache-control"))) fail(`wasm cache-control: ${header(wasm, "cache-control")}`);
  if (page && !/no-cache/.test(header(page, "cache-control"))) fail(`page cache-control: ${header(page, "cache-control")}`);
  if (page && !/connect-src 'self'/.test(header(page, "content-security-policy"))) fail("the page has no CSP");
  console.log(`second visit: first frame after ${firstFrameMs} ms, wasm from cache (${wasm.url.split("/").pop()})`);

  // The pages so far stop drawing: on two cores, three SwiftShader pages at once starve the next
  // page's event loop, and its timers would measure the machine, not the fallback.
  await context.close();
  // 2. UDP refused: the server's advert, but pointing at a UDP port nobody listens on.
  const udpPort = await new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.bind(0, "127.0.0.1", () => { const { port } = socket.address(); socket.close(() => resolve(port)); });
  });
  const other = await startServer(freshArtifactDir("e2e-transport-refused"), ["--webtransport", String(udpPort)]);
  servers.push(other.server);
  const closedPort = new URL(other.url).port;
  // The page's own fetch of the advert, with the port swapped (in the page, so no interception
  // slows the request down): the browser then really sends QUIC to a closed port.
  const refused = `{
    const realFetch = window.fetch;
    window.fetch = async (input, init) => {
      const answer = await realFetch(input, init);
      if (!String(input).includes("/api/transport")) return answer;
      const advert = await answer.json();
      if (advert.webtransport) advert.webtransport.port = ${closedPort};
      return new Response(JSON.stringify(advert), { headers: { "content-type": "application/json" } });
    };
  }`;
  const fallback = await play(await quic.newContext({ viewport: { width: 960, height: 600 } }), other.url, "refused", { initScript: refused });
  const ws = await transportOf(fallback);
  if (ws.name !== "websocket") fail(`expected the WebSocket fallback, got ${JSON.stringify(ws)}`);
  if (!(ws.openedMs < 2000)) fail(`the fallback opened ${ws.openedMs} ms after the page asked (limit 2000): ${JSON.stringify(ws)}`);
  console.log(`UDP refused: websocket opened ${ws.openedMs.toFixed(0)} ms after asking (WebTransport: ${ws.wtError})`);

  // 3. WebTransport that never opens: the WebSocket after its head start.
  const blackHole = `window.WebTransport = class { constructor() { this.ready = new Promise(() => {}); this.closed = new Promise(() => {}); } close() {} };`;
  await fallback.page.context().close();
  const silent = await play(await quic.newContext({ viewport: { width: 960, height: 600 } }), url, "silent", { initScript: blackHole });
  const late = await transportOf(silent);
  if (late.name !== "websocket") fail(`expected the WebSocket after the head start, got ${JSON.stringify(late)}`);
  if (!(late.openedMs >= 1150 && late.openedMs < 2000)) fail(`the WebSocket opened ${late.openedMs} ms after asking (expected 1.2–2 s)`);
  console.log(`silent UDP: websocket opened ${late.openedMs.toFixed(0)} ms after asking`);

  for (const p of pages) noCspViolations(p);
  await silent.page.context().close();
  console.log("transport e2e: passed");
} finally {
  await quic.close();
  for (const s of servers) s.kill("SIGTERM");
}
