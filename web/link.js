// Driftfire's connection to its server, as the game (client/src/net/wasm.rs) sees it: an object
// shaped like a WebSocket (readyState, binaryType, send, close, onopen/onmessage/onclose/onerror)
// over whichever transport opens first:
// - WebTransport (HTTP/3 over QUIC, where the browser has it and the server offers it at
//   /api/transport): snapshots and inputs as datagrams, so a lost packet costs one snapshot
//   instead of stalling every later one; everything else on one bidirectional stream, each
//   message prefixed by its length (4 bytes, little-endian); each input datagram repeats the
//   three inputs before it (the server drops repeats by sequence number);
// - the WebSocket, started 1.2 s after WebTransport (networks that silently drop UDP leave
//   WebTransport pending for tens of seconds) or as soon as WebTransport fails.
// The first to open is kept and the other closed; later connections of the page (reconnects)
// go straight to the winner. `?transport=ws` or `?transport=wt` pins one. What happened is in
// `window.driftfireTransport` (the net graph and the tests read it).
(() => {
  const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
  // The first byte of an encoded ClientMsg::Input (shared/src/codec: INPUT_TAG).
  const INPUT_TAG = 3;
  // Inputs per datagram (shared/src/codec: INPUTS_PER_DATAGRAM).
  const INPUTS_PER_DATAGRAM = 4;
  // How long WebTransport has before the WebSocket starts too.
  const WEBSOCKET_AFTER_MS = 1200;
  // Largest server message (shared/src/codec: MAX_SERVER_MSG_BYTES).
  const MAX_FRAME = 1 << 20;

  const pinned = (() => {
    const asked = new URLSearchParams(location.search).get("transport");
    return asked === "ws" || asked === "wt" ? asked : null;
  })();
  // The transport that won last: reconnects reuse it.
  let winner = null;
  const stats = (window.driftfireTransport = { name: "", openedMs: NaN, datagramsIn: 0, streamIn: 0, wtError: "" });

  const hexBytes = (hex) => new Uint8Array(hex.match(/../g).map((b) => parseInt(b, 16)));

  // What the server says about WebTransport (null if nothing, or no answer within 2 s).
  async function advert(wsUrl) {
    const url = new URL(wsUrl);
    url.protocol = url.protocol === "wss:" ? "https:" : "http:";
    url.pathname = "/api/transport";
    url.search = "";
    const aborter = new AbortController();
    const timer = setTimeout(() => aborter.abort(), 2000);
    try {
      const answer = await fetch(url, { signal: aborter.signal, cache: "no-store" });
      return answer.ok ? (await answer.json()).webtransport : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  class Link {
    constructor(url) {
      this.url = url;
      this.asked = performance.now();
      this.readyState = CONNECTING;
      this.binaryType = "arraybuffer";
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      this.recentInputs = [];
      this.ws = null;
      this.wt = null;
      this.race();
    }

    race() {
      const wantWt = pinned !== "ws" && (pinned === "wt" || winner !== "ws") && typeof WebTransport === "function";
      let wsStarted = false, wtFailed = !wantWt, wsFailed = false;
      const failed = (event) => {
        if (wtFailed && wsFailed && this.readyState === CONNECTING) this.finish(event?.code ?? 1006, event?.reason ?? "");
      };
      const startWs = () => {
        if (wsStarted || this.readyState !== CONNECTING || pinned === "wt") return;
        wsStarted = true;
        const ws = new WebSocket(this.url);
        ws.binaryType = "arraybuffer";
        stats.wsStartedMs = performance.now() - this.asked;
        ws.onopen = () => (this.readyState === CONNECTING ? this.adoptWs(ws) : ws.close(1000));
        ws.onclose = (event) => { wsFailed = true; failed(event); };
      };
      if (!wantWt) return startWs();
      const timer = pinned === "wt" ? null : setTimeout(startWs, WEBSOCKET_AFTER_MS);
      this.openWt().then(
        (session) => {
          clearTimeout(timer);
          if (this.readyState === CONNECTING) this.adoptWt(session);
          else session.wt.close({ closeCode: 1000, reason: "" });
        },
        (error) => {
          stats.wtError = String(error);
          stats.wtFailedMs = performance.now() - this.asked;
          wtFailed = true;
          if (pinned === "wt") { wsFailed = true; return failed(); }
          startWs();
          failed();
        },
      );
    }

    async openWt() {
      const offer = await advert(this.url);
      if (!offer) throw new Error("the server offers no WebTransport");
      if (this.readyState !== CONNECTING) throw new Error("closed while connecting");
      const host = new URL(this.url).hostname;
      const options = { allowPooling: false, requireUnreliable: true, congestionControl: "low-latency" };
      if (offer.certificate_sha256) options.serverCertificateHashes = [{ algorithm: "sha-256", value: hexBytes(offer.certificate_sha256) }];
      const wt = new WebTransport(`https://${host.includes(":") ? `[${host}]` : host}:${offer.port}${offer.path}`, options);
      this.wt = wt;
      wt.closed.catch(() => {});
      await wt.ready;
      const stream = await wt.createBidirectionalStream();
      return { wt, stream };
    }

    adoptWs(ws) {
      winner = "ws";
      stats.name = "websocket";
      stats.openedMs = performance.now() - this.asked;
      this.ws = ws;
      this.wt?.close({ closeCode: 1000, reason: "" });
      this.wt = null;
      ws.onmessage = (event) => this.onmessage?.(new MessageEvent("message", { data: event.data }));
      ws.onclose = (event) => this.finish(event.code, event.reason, event.wasClean);
      ws.onerror = () => this.onerror?.(new Event("error"));
      this.readyState = OPEN;
      this.onopen?.(new Event("open"));
    }

    adoptWt({ wt, stream }) {
      winner = "wt";
      stats.name = "webtransport";
      stats.openedMs = performance.now() - this.asked;
      this.wt = wt;
      this.streamWriter = stream.writable.getWriter();
      this.datagramWriter = wt.datagrams.writable.getWriter();
      this.readyState = OPEN;
      this.onopen?.(new Event("open"));
      const streamRead = this.readStream(stream.readable.getReader());
      this.readDatagrams(wt.datagrams.readable.getReader());
      // The server's Disconnect arrives on the stream before it closes the session: the game
      // decides from that, so the close is reported only once the stream has been read out.
      wt.closed
        .then((info) => ({ code: info?.closeCode ?? 1000, reason: info?.reason ?? "" }), () => null)
        .then(async (info) => {
          await streamRead;
          if (info) this.finish(info.code, info.reason, true);
          else this.finish(this.streamEnded ? 1000 : 1006, "", this.streamEnded);
        });
    }

    deliver(bytes) {
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      this.onmessage?.(new MessageEvent("message", { data }));
    }

    async readStream(reader) {
      let pending = new Uint8Array(0);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const joined = new Uint8Array(pending.length + value.length);
          joined.set(pending);
          joined.set(value, pending.length);
          pending = joined;
          while (pending.length >= 4) {
            const length = new DataView(pending.buffer, pending.byteOffset, 4).getUint32(0, true);
            if (length > MAX_FRAME) throw new Error(`stream frame of ${length} bytes`);
            if (pending.length < 4 + length) break;
            stats.streamIn += 1;
            this.deliver(pending.subarray(4, 4 + length));
            pending = pending.subarray(4 + length);
          }
        }
        this.streamEnded = true;
      } catch {
        // The session is closing; `closed` says how.
      }
    }

    async readDatagrams(reader) {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          stats.datagramsIn += 1;
          this.deliver(value);
        }
      } catch {
        // As above.
      }
    }

    send(data) {
      if (this.readyState !== OPEN) throw new DOMException("not open", "InvalidStateError");
      if (this.ws) return this.ws.send(data);
      // `data` may be a view of the game's memory: copy it before anything asynchronous.
      const bytes = new Uint8Array(data);
      if (bytes[0] === INPUT_TAG) {
        this.recentInputs.unshift(bytes);
        this.recentInputs.length = Math.min(this.recentInputs.length, INPUTS_PER_DATAGRAM);
        const total = this.recentInputs.reduce((n, input) => n + input.length, 0);
        const datagram = new Uint8Array(total);
        let at = 0;
        for (const input of this.recentInputs) { datagram.set(input, at); at += input.length; }
        this.datagramWriter.write(datagram).catch(() => {});
        return;
      }
      const frame = new Uint8Array(4 + bytes.length);
      new DataView(frame.buffer).setUint32(0, bytes.length, true);
      frame.set(bytes, 4);
      this.streamWriter.write(frame).catch(() => {});
    }

    close(code = 1000, reason = "") {
      if (this.readyState === CLOSING || this.readyState === CLOSED) return;
      const wasConnecting = this.readyState === CONNECTING;
      this.readyState = CLOSING;
      this.ws?.close(code, reason);
      this.wt?.close({ closeCode: code, reason });
      if (wasConnecting) this.finish(code, reason, true);
    }

    finish(code, reason, wasClean = false) {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      this.onclose?.(new CloseEvent("close", { code, reason, wasClean }));
    }
  }

  window.driftfireLink = (url) => new Link(url);
})();
