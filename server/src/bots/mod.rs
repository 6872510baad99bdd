//! A swarm of bots that play through the real protocol over real WebSockets or WebTransport
//! ([`link`]), for load tests, benchmarks and for watching a lively server. Used by the
//! `driftfire-bots` binary.

mod failover;
pub mod link;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use driftfire_shared::codec::{CodecError, decode_server};
use driftfire_shared::delta::DeltaError;
use driftfire_shared::protocol::{
    ClientMsg, DisconnectReason, PROTOCOL_VERSION, Redirect, RejectReason, ResumeToken, RoomTarget, ServerMsg, Welcome,
};
use driftfire_shared::sim::SimConfig;
use driftfire_shared::snapshot::{Snapshot, SnapshotReader};
use serde::Serialize;
use tokio::time::{MissedTickBehavior, interval, sleep, timeout};

use crate::conditioner::{DelayLine, LinkConditions};
use crate::pilot::Brain;
use crate::tick_stats::percentile;
use link::{BotLink, LinkError, Transport};

/// What to run.
#[derive(Clone, Debug)]
pub struct SwarmConfig {
    /// Game socket URL, e.g. `ws://127.0.0.1:8080/ws`; several, comma-separated, are entrances
    /// the bots come in by in turn (and fail over to).
    pub url: String,
    /// Number of bots.
    pub count: usize,
    /// How long each bot plays after the swarm starts.
    pub duration: Duration,
    /// Connections are spread over this time so the server sees a ramp, not a spike.
    pub ramp: Duration,
    /// Names are `{prefix}{n}`.
    pub name_prefix: String,
    /// Simulated bad network on each bot's download (its half of latency and jitter).
    pub link: LinkConditions,
    /// WebSocket, WebTransport, or WebTransport where offered.
    pub transport: Transport,
    /// After a dropped link, come back as the game client does (`failover`): the session's
    /// server, then the entrance once that refuses, with the resume token.
    pub failover: bool,
}

/// The swarm's final figures: the last stdout line of `driftfire-bots`, as JSON.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SwarmReport {
    /// Bots that got a Welcome.
    pub connected: usize,
    /// Bots that could not connect or were rejected.
    pub failed: usize,
    /// Bots whose session ended before the end of the run.
    pub disconnected: usize,
    /// Redirects followed to another server of a fleet.
    pub redirects: usize,
    /// Snapshots received per second, per bot (mean over connected bots).
    pub snapshots_per_s: f64,
    /// Bytes received per second, per bot (mean over connected bots).
    pub down_bytes_per_s: f64,
    /// Bytes sent per second, per bot.
    pub up_bytes_per_s: f64,
    /// Mean size of a snapshot message, bytes.
    pub snapshot_bytes_mean: f64,
    /// Median application-level round trip (Ping → Pong), ms.
    pub rtt_p50_ms: f64,
    /// 99th percentile round trip, ms.
    pub rtt_p99_ms: f64,
    /// Median input ack: from sending input `seq` to the first snapshot whose
    /// `last_input_seq` ≥ `seq`, ms (what the input buffer adds shows here).
    pub input_ack_p50_ms: f64,
    /// 99th percentile input ack, ms.
    pub input_ack_p99_ms: f64,
    /// Snapshot lateness (arrival − tick time − the bot's best case), median, ms: what the
    /// client's interpolation delay must cover.
    pub lateness_p50_ms: f64,
    /// 95th percentile snapshot lateness, ms.
    pub lateness_p95_ms: f64,
    /// 99th percentile snapshot lateness, ms.
    pub lateness_p99_ms: f64,
    /// Worst snapshot lateness, ms.
    pub lateness_max_ms: f64,
    /// Snapshots decoded per tick the bots were in session (1.0: none lost).
    pub delivered_ratio: f64,
    /// Snapshots skipped (late datagrams, or deltas against a frame the bot never got).
    pub skipped: u64,
    /// Sessions over WebTransport.
    pub over_webtransport: usize,
    /// Links that died under a bot in session (with `failover`).
    pub drops: usize,
    /// Of those, bots back in a game (a Welcome) before the run ended.
    pub back_in_game: usize,
    /// Of those, bots whose score came back with them (resumed, or restored elsewhere).
    pub score_kept: usize,
    /// From a drop to the Welcome back, median, ms.
    pub back_p50_ms: f64,
    /// 99th percentile of the same, ms.
    pub back_p99_ms: f64,
    /// Seconds the swarm ran.
    pub seconds: f64,
}

#[derive(Default)]
struct Counters {
    connected: AtomicUsize,
    failed: AtomicUsize,
    disconnected: AtomicUsize,
    redirects: AtomicUsize,
    live: AtomicUsize,
    snapshots: AtomicU64,
    snapshot_bytes: AtomicU64,
    down_bytes: AtomicU64,
    up_bytes: AtomicU64,
    /// Sum over bots of seconds spent in session, for per-bot rates.
    session_micros: AtomicU64,
    rtts_ms: Mutex<Vec<f64>>,
    input_acks_ms: Mutex<Vec<f64>>,
    lateness_ms: Mutex<Vec<f64>>,
    /// Ticks spanned by each bot's decoded snapshots (first to last).
    ticks_spanned: AtomicU64,
    skipped: AtomicU64,
    over_webtransport: AtomicUsize,
    drops: AtomicUsize,
    back_in_game: AtomicUsize,
    score_kept: AtomicUsize,
    back_ms: Mutex<Vec<f64>>,
}

/// A progress line, printed once per second by the binary.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Seconds since start.
    pub elapsed_s: f64,
    /// Bots in session now.
    pub live: usize,
    /// Failures so far.
    pub failed: usize,
    /// Drops so far.
    pub disconnected: usize,
    /// Snapshots received so far, all bots.
    pub snapshots: u64,
}

/// Runs the swarm to the end and reports; `on_progress` is called about once a second.
pub async fn run_swarm(config: SwarmConfig, mut on_progress: impl FnMut(Progress)) -> SwarmReport {
    let counters = Arc::new(Counters::default());
    let started = Instant::now();
    let end = started + config.duration;
    let mut bots = tokio::task::JoinSet::new();
    for n in 0..config.count {
        let delay = config.ramp.mul_f64(n as f64 / config.count.max(1) as f64);
        let (url, name, counters) = (config.url.clone(), format!("{}{n}", config.name_prefix), counters.clone());
        let (link, transport, failover) = (config.link, config.transport, config.failover);
        bots.spawn(async move {
            sleep(delay).await;
            let how = How { link, transport, failover, seed: n as u64 };
            run_bot(&url, name, how, end.into(), &counters).await;
        });
    }
    let mut ticker = interval(Duration::from_secs(1));
    ticker.tick().await;
    loop {
        tokio::select! {
            joined = bots.join_next() => if joined.is_none() { break },
            _ = ticker.tick() => on_progress(Progress {
                elapsed_s: started.elapsed().as_secs_f64(),
                live: counters.live.load(Ordering::Relaxed),
                failed: counters.failed.load(Ordering::Relaxed),
                disconnected: counters.disconnected.load(Ordering::Relaxed),
                snapshots: counters.snapshots.load(Ordering::Relaxed),
            }),
        }
    }
    report(&counters, started.elapsed())
}

fn report(c: &Counters, elapsed: Duration) -> SwarmReport {
    let session_s = c.session_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let per_bot_rate = |total: u64| if session_s > 0.0 { total as f64 / session_s } else { 0.0 };
    let snapshots = c.snapshots.load(Ordering::Relaxed);
    let mut rtts = c.rtts_ms.lock().expect("rtt lock").clone();
    let mut acks = c.input_acks_ms.lock().expect("ack lock").clone();
    let mut late = c.lateness_ms.lock().expect("lateness lock").clone();
    let spanned = c.ticks_spanned.load(Ordering::Relaxed);
    let mut back = c.back_ms.lock().expect("back lock").clone();
    let mut pct = |p: f64| percentile(&mut rtts, p);
    SwarmReport {
        connected: c.connected.load(Ordering::Relaxed),
        failed: c.failed.load(Ordering::Relaxed),
        disconnected: c.disconnected.load(Ordering::Relaxed),
        redirects: c.redirects.load(Ordering::Relaxed),
        snapshots_per_s: per_bot_rate(snapshots),
        down_bytes_per_s: per_bot_rate(c.down_bytes.load(Ordering::Relaxed)),
        up_bytes_per_s: per_bot_rate(c.up_bytes.load(Ordering::Relaxed)),
        snapshot_bytes_mean: if snapshots > 0 { c.snapshot_bytes.load(Ordering::Relaxed) as f64 / snapshots as f64 } else { 0.0 },
        rtt_p50_ms: pct(50.0),
        rtt_p99_ms: pct(99.0),
        input_ack_p50_ms: percentile(&mut acks, 50.0),
        input_ack_p99_ms: percentile(&mut acks, 99.0),
        lateness_p50_ms: percentile(&mut late, 50.0),
        lateness_p95_ms: percentile(&mut late, 95.0),
        lateness_p99_ms: percentile(&mut late, 99.0),
        lateness_max_ms: late.iter().copied().fold(0.0, f64::max),
        delivered_ratio: if spanned > 0 { snapshots as f64 / spanned as f64 } else { 0.0 },
        skipped: c.skipped.load(Ordering::Relaxed),
        over_webtransport: c.over_webtransport.load(Ordering::Relaxed),
        drops: c.drops.load(Ordering::Relaxed),
        back_in_game: c.back_in_game.load(Ordering::Relaxed),
        score_kept: c.score_kept.load(Ordering::Relaxed),
        back_p50_ms: percentile(&mut back, 50.0),
        back_p99_ms: percentile(&mut back, 99.0),
        seconds: elapsed.as_secs_f64(),
    }
}

/// Why a bot's session ended early.
#[derive(Debug, thiserror::Error)]
enum BotError {
    /// The connection could not be opened, or Hello not sent.
    #[error("connect failed: {0}")]
    Connect(LinkError),
    /// The server refused the Hello.
    #[error("rejected: {0}")]
    Rejected(RejectReason),
    /// Neither Welcome nor Rejected came in time.
    #[error("no Welcome within 10 s")]
    NoWelcome,
    /// The server ended the session, and said why.
    #[error("disconnected by the server: {0}")]
    Disconnected(DisconnectReason),
    /// The connection closed without a `Disconnect`, or reading or writing failed.
    #[error("{0}")]
    Link(LinkError),
    /// A server message did not decode.
    #[error("undecodable server message: {0}")]
    Undecodable(CodecError),
    /// A snapshot did not fit the stream so far.
    #[error("corrupt snapshot: {0}")]
    CorruptSnapshot(DeltaError),
}

/// How a bot plays: its network, transport, whether it comes back after a drop, its seed.
#[derive(Clone, Copy)]
struct How {
    link: LinkConditions,
    transport: Transport,
    failover: bool,
    seed: u64,
}

async fn run_bot(url: &str, name: String, how: How, end: tokio::time::Instant, c: &Counters) {
    match play(url, &name, how, end, c).await {
        Ok(()) => {}
        Err(error @ (BotError::Connect(_) | BotError::Rejected(_) | BotError::NoWelcome)) => {
            c.failed.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(bot = %name, %error, "bot failed to join");
        }
        Err(error @ (BotError::Disconnected(_) | BotError::Link(_) | BotError::Undecodable(_) | BotError::CorruptSnapshot(_))) => {
            c.disconnected.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(bot = %name, %error, "bot disconnected");
        }
    }
}

/// Redirects a bot follows before it gives up (as the game client does).
const MAX_REDIRECTS: usize = 3;

async fn play(urls: &str, name: &str, how: How, end: tokio::time::Instant, c: &Counters) -> Result<(), BotError> {
    let How { link, transport, failover, seed } = how;
    // Several entrances (comma-separated): each bot comes in by one in turn, and fails over to
    // the others.
    let entrances: Vec<String> = urls.split(',').map(str::trim).filter(|u| !u.is_empty()).map(String::from).collect();
    let mut url = entrances.get(seed as usize % entrances.len().max(1)).cloned().unwrap_or_default();
    let mut room = RoomTarget::QuickPlay;
    let mut hops = 0;
    let (mut ws, mut welcome) = loop {
        match join(&url, name, room, transport, None).await? {
            Joined::Welcome(ws, welcome) => break (ws, welcome),
            // Several servers acting as one game: the seat is on another server.
            Joined::Redirect(redirect) if hops < MAX_REDIRECTS => {
                hops += 1;
                c.redirects.fetch_add(1, Ordering::Relaxed);
                (url, room) = (redirect.url, redirect.room);
            }
            Joined::Redirect(_) => return Err(BotError::Disconnected(DisconnectReason::Redirected)),
        }
    };
    c.connected.fetch_add(1, Ordering::Relaxed);
    if matches!(*ws, BotLink::Wt(_)) {
        c.over_webtransport.fetch_add(1, Ordering::Relaxed);
    }
    loop {
        c.live.fetch_add(1, Ordering::Relaxed);
        let session_start = Instant::now();
        let token = welcome.resume_token;
        let result = session(&mut ws, *welcome, seed, link.downstream(seed), end, c).await;
        c.live.fetch_sub(1, Ordering::Relaxed);
        c.session_micros.fetch_add(session_start.elapsed().as_micros() as u64, Ordering::Relaxed);
        match result {
            Ok(()) => {
                let _ = ws.send(&ClientMsg::Leave).await;
                ws.drain(Duration::from_secs(2)).await;
                return Ok(());
            }
            // The link died under a running game: come back as the game client would.
            Err(BotError::Link(error)) if failover && tokio::time::Instant::now() < end => {
                c.drops.fetch_add(1, Ordering::Relaxed);
                let Some(back) = failover::come_back(&entrances, &url, name, token, transport, seed, Instant::now()).await else {
                    return Err(BotError::Link(error));
                };
                c.back_in_game.fetch_add(1, Ordering::Relaxed);
                if failover::kept_score(&back.welcome) {
                    c.score_kept.fetch_add(1, Ordering::Relaxed);
                }
                c.back_ms.lock().expect("back lock").push(back.took.as_secs_f64() * 1e3);
                (ws, welcome, url) = (back.link, back.welcome, back.url);
            }
            Err(error) => return Err(error),
        }
    }
}

/// What a Hello got.
enum Joined {
    /// A seat, on this connection.
    Welcome(Box<BotLink>, Box<Welcome>),
    /// The seat is on another server.
    Redirect(Redirect),
}

/// Connects to `url` and says Hello for `room` (with a resume token after a drop).
async fn join(url: &str, name: &str, room: RoomTarget, transport: Transport, resume: Option<ResumeToken>) -> Result<Joined, BotError> {
    let mut link = BotLink::open(url, transport).await.map_err(BotError::Connect)?;
    let hello = ClientMsg::Hello { version: PROTOCOL_VERSION, name: name.to_string(), room, resume };
    link.send(&hello).await.map_err(BotError::Connect)?;
    timeout(Duration::from_secs(10), async {
        loop {
            let bytes = link.next().await.map_err(BotError::Link)?;
            match decode_server(&bytes) {
                Ok(ServerMsg::Welcome(w)) => return Ok(Joined::Welcome(Box::new(link), Box::new(w))),
                Ok(ServerMsg::Redirect(redirect)) => return Ok(Joined::Redirect(redirect)),
                Ok(ServerMsg::Rejected { reason }) => return Err(BotError::Rejected(reason)),
                Ok(ServerMsg::Disconnect(reason)) => return Err(BotError::Disconnected(reason)),
                _ => {}
            }
        }
    })
    .await
    .map_err(|_| BotError::NoWelcome)?
}

async fn session(
    ws: &mut BotLink,
    welcome: Welcome,
    seed: u64,
    mut inbound: DelayLine<bytes::Bytes>,
    end: tokio::time::Instant,
    c: &Counters,
) -> Result<(), BotError> {
    let cfg = SimConfig::new(welcome.tick_hz);
    let mut brain = Brain::new(welcome.player_id, seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xB07);
    let mut inputs = interval(Duration::from_secs_f32(cfg.dt));
    inputs.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut pings = interval(Duration::from_secs(1));
    let mut state = BotState {
        latest: None,
        ping_sent: None,
        nonce: 0,
        reader: SnapshotReader::new(welcome.tick_hz),
        inputs_sent: VecDeque::new(),
        tick_hz: f64::from(welcome.tick_hz),
        started: Instant::now(),
        arrivals: Vec::new(),
        first_tick: None,
    };
    let result = session_loop(ws, &mut state, &mut brain, &cfg, &mut inputs, &mut pings, &mut inbound, end, c).await;
    state.finish(c);
    result
}

async fn session_loop(
    ws: &mut BotLink,
    state: &mut BotState,
    brain: &mut Brain,
    cfg: &SimConfig,
    inputs: &mut tokio::time::Interval,
    pings: &mut tokio::time::Interval,
    inbound: &mut DelayLine<bytes::Bytes>,
    end: tokio::time::Instant,
    c: &Counters,
) -> Result<(), BotError> {
    loop {
        let due = inbound.next_due();
        tokio::select! {
            () = tokio::time::sleep_until(end) => return Ok(()),
            _ = inputs.tick() => {
                let mut frame = brain.decide(cfg, state.latest.as_ref());
                frame.ack_tick = state.latest.as_ref().map_or(0, |s| s.tick as u32);
                state.inputs_sent.push_back((frame.seq, Instant::now()));
                if state.inputs_sent.len() > INPUTS_TRACKED {
                    state.inputs_sent.pop_front();
                }
                send(ws, c, ClientMsg::Input(frame)).await?;
            }
            _ = pings.tick() => {
                state.nonce = state.nonce.wrapping_add(1);
                state.ping_sent = Some((state.nonce, Instant::now()));
                send(ws, c, ClientMsg::Ping { nonce: state.nonce }).await?;
            }
            () = tokio::time::sleep_until(due.unwrap_or_else(tokio::time::Instant::now)), if due.is_some() => {
                while let Some(bytes) = inbound.pop_due(tokio::time::Instant::now()) {
                    state.receive(&bytes, c)?;
                }
            }
            frame = ws.next() => {
                let bytes = frame.map_err(BotError::Link)?;
                c.down_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                if inbound.is_passthrough() {
                    state.receive(&bytes, c)?;
                } else {
                    let size = bytes.len();
                    inbound.push(tokio::time::Instant::now(), bytes, size);
                }
            }
        }
    }
}

/// What a bot remembers between frames.
struct BotState {
    reader: SnapshotReader,
    latest: Option<Snapshot>,
    ping_sent: Option<(u32, Instant)>,
    nonce: u32,
    /// Inputs sent and not yet acknowledged by a snapshot, oldest first, with when.
    inputs_sent: VecDeque<(u32, Instant)>,
    tick_hz: f64,
    started: Instant,
    /// Each decoded snapshot's arrival minus its tick's time, ms (offset by the clocks' start).
    arrivals: Vec<f64>,
    first_tick: Option<u64>,
}

/// Unacknowledged inputs a bot remembers (ten seconds at 30 Hz): older ones are not measured.
const INPUTS_TRACKED: usize = 300;

impl BotState {
    /// Handles one server frame (after any simulated delay).
    fn receive(&mut self, bytes: &[u8], c: &Counters) -> Result<(), BotError> {
        match decode_server(bytes) {
            Ok(ServerMsg::Snapshot(frame)) => {
                c.snapshot_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                let snapshot = match self.reader.apply(&frame) {
                    Ok(snapshot) => snapshot,
                    Err(error) if error.is_skippable() => {
                        c.skipped.fetch_add(1, Ordering::Relaxed);
                        return Ok(());
                    }
                    Err(error) => return Err(BotError::CorruptSnapshot(error)),
                };
                c.snapshots.fetch_add(1, Ordering::Relaxed);
                self.first_tick.get_or_insert(snapshot.tick);
                self.arrivals.push(self.started.elapsed().as_secs_f64() * 1e3 - snapshot.tick as f64 * 1e3 / self.tick_hz);
                let mut acks = c.input_acks_ms.lock().expect("ack lock");
                while let Some(&(seq, at)) = self.inputs_sent.front()
                    && seq <= snapshot.last_input_seq
                {
                    acks.push(at.elapsed().as_secs_f64() * 1e3);
                    self.inputs_sent.pop_front();
                }
                drop(acks);
                self.latest = Some(snapshot);
            }
            Ok(ServerMsg::Pong { nonce }) => {
                if let Some((_, at)) = self.ping_sent.take_if(|(sent, _)| *sent == nonce) {
                    c.rtts_ms.lock().expect("rtt lock").push(at.elapsed().as_secs_f64() * 1e3);
                }
            }
            Ok(ServerMsg::Disconnect(reason)) => return Err(BotError::Disconnected(reason)),
            Ok(_) => {}
            Err(error) => return Err(BotError::Undecodable(error)),
        }
        Ok(())
    }
}

impl BotState {
    /// Adds this bot's lateness (against its own best case) and the ticks it spanned.
    fn finish(&self, c: &Counters) {
        let best = self.arrivals.iter().copied().fold(f64::INFINITY, f64::min);
        c.lateness_ms.lock().expect("lateness lock").extend(self.arrivals.iter().map(|a| a - best));
        if let (Some(first), Some(last)) = (self.first_tick, self.latest.as_ref().map(|s| s.tick)) {
            c.ticks_spanned.fetch_add(last - first + 1, Ordering::Relaxed);
        }
    }
}

async fn send(ws: &mut BotLink, c: &Counters, msg: ClientMsg) -> Result<(), BotError> {
    let sent = ws.send(&msg).await.map_err(BotError::Link)?;
    c.up_bytes.fetch_add(sent as u64, Ordering::Relaxed);
    Ok(())
}
