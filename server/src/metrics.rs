//! The server's Prometheus metrics: one [`Metrics`] registry per server (no global recorder, so
//! tests can run several servers in one process), bumped by connections and rooms, and encoded
//! for `GET /metrics` on the admin listener. Names follow Prometheus practice: base units
//! (`_seconds`, `_bytes`), `_total` on counters, no player or room ids as labels.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

use driftfire_shared::protocol::{DisconnectReason, PROTOCOL_VERSION, ResumeOutcome};

/// Tick durations, seconds: from 100 µs (an idle room) to 100 ms (three ticks late at 30 Hz).
const TICK_BUCKETS: [f64; 12] = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.033, 0.05, 0.075, 0.1];

/// Snapshot message sizes, bytes: a quiet view is ~20 bytes, a crowded delta ~200, a join's
/// full snapshot up to the 1,000-byte budget (more when the budget is off).
const SNAPSHOT_SIZE_BUCKETS: [f64; 10] = [16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 16384.0];

/// Time to build one client's snapshot (interest query, delta, bincode), seconds: 7–14 µs is
/// typical (BENCHMARKS.md), so the buckets are dense from 1 µs to 1 ms.
const ENCODE_BUCKETS: [f64; 10] = [1e-6, 2.5e-6, 5e-6, 1e-5, 2e-5, 4e-5, 8e-5, 1.6e-4, 5e-4, 1e-3];

/// One label, `reason`, `outcome` or `visibility`: always one of a fixed set of names.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// The reason's stable name (e.g. [`DisconnectReason::label`]).
    pub reason: &'static str,
}

/// The `outcome` label of resumes.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    /// `resumed`, `expired` or `refused_in_use`.
    pub outcome: &'static str,
}

/// The `visibility` label of rooms.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VisibilityLabel {
    /// `public` or `private`.
    pub visibility: &'static str,
}

/// Every metric the server exports. Bumping one is an atomic add (histograms take a short,
/// uncontended lock), cheap enough for the tick.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Open TCP connections (HTTP and game sockets); set at scrape time.
    pub connections: Gauge,
    /// Players seated in rooms (dropped players waiting to resume included); set at scrape time.
    pub players: Gauge,
    /// AI pilots flying in rooms (not players); set at scrape time.
    pub ai_pilots: Gauge,
    /// Open rooms by visibility; set at scrape time.
    pub rooms: Family<VisibilityLabel, Gauge>,
    /// TCP connections accepted.
    pub connections_opened: Counter,
    /// Game sockets opened (upgrades to `/ws`).
    pub sockets_opened: Counter,
    /// Game sockets ended, by [`DisconnectReason::label`] or `link_lost`.
    pub disconnects: Family<ReasonLabel, Counter>,
    /// Resume tokens presented, by outcome.
    pub resumes: Family<OutcomeLabel, Counter>,
    /// Client messages refused, by reason (violations close the socket; `chat_rate_limited`
    /// only drops the line).
    pub messages_rejected: Family<ReasonLabel, Counter>,
    /// WebSocket payload bytes received from clients.
    pub received_bytes: Counter,
    /// WebSocket payload bytes sent to clients.
    pub sent_bytes: Counter,
    /// How long each room tick took.
    pub tick_duration: Histogram,
    /// Ticks whose work ran past the next tick's deadline.
    pub tick_overruns: Counter,
    /// Size of each snapshot message sent.
    pub snapshot_size: Histogram,
    /// Time to build and encode each snapshot message.
    pub snapshot_encode: Histogram,
    /// Chat lines delivered to a room.
    pub chat_lines: Counter,
    /// Operator announcements sent.
    pub announcements: Counter,
    /// Hall-of-fame results stored; set from the store at scrape time.
    pub hall_of_fame_writes: Counter,
    /// Hall-of-fame write failures; set from the store at scrape time.
    pub hall_of_fame_write_errors: Counter,
    /// Hall-of-fame results dropped (queue full, or the store unavailable).
    pub hall_of_fame_dropped: Counter,
    /// 1 while the hall of fame is available, 0 when the server runs without it.
    pub hall_of_fame_up: Gauge,
    /// With `--redis`: 1 while Redis answers the heartbeat, 0 when it does not.
    pub redis_up: Gauge,
    /// With `--redis`: live servers in the fleet's registry, this one included.
    pub fleet_servers: Gauge,
    /// With `--redis`: commands sent to Redis.
    pub redis_commands: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered under the `driftfire_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("driftfire");
        let info = Info::new(vec![("version", env!("CARGO_PKG_VERSION").to_string()), ("protocol", PROTOCOL_VERSION.to_string())]);
        registry.register("build", "The server's version and protocol version", info);
        let metrics = Self {
            connections: Gauge::default(),
            players: Gauge::default(),
            rooms: Family::default(),
            ai_pilots: Gauge::default(),
            connections_opened: Counter::default(),
            sockets_opened: Counter::default(),
            disconnects: Family::default(),
            resumes: Family::default(),
            messages_rejected: Family::default(),
            received_bytes: Counter::default(),
            sent_bytes: Counter::default(),
            tick_duration: Histogram::new(TICK_BUCKETS),
            tick_overruns: Counter::default(),
            snapshot_size: Histogram::new(SNAPSHOT_SIZE_BUCKETS),
            snapshot_encode: Histogram::new(ENCODE_BUCKETS),
            chat_lines: Counter::default(),
            announcements: Counter::default(),
            hall_of_fame_writes: Counter::default(),
            hall_of_fame_write_errors: Counter::default(),
            hall_of_fame_dropped: Counter::default(),
            hall_of_fame_up: Gauge::default(),
            redis_up: Gauge::default(),
            fleet_servers: Gauge::default(),
            redis_commands: Counter::default(),
            registry,
        };
        metrics.register_all()
    }

    fn register_all(mut self) -> Self {
        let r = &mut self.registry;
        r.register("connections", "Open TCP connections (HTTP and game sockets)", self.connections.clone());
        r.register("players", "Players seated in rooms, dropped players waiting to resume included", self.players.clone());
        r.register("ai_pilots", "AI pilots flying in rooms (they are not players)", self.ai_pilots.clone());
        r.register("rooms", "Open rooms by visibility", self.rooms.clone());
        r.register("connections_opened", "TCP connections accepted", self.connections_opened.clone());
        r.register("sockets_opened", "Game WebSockets opened", self.sockets_opened.clone());
        r.register(
            "disconnects",
            "Game sockets ended, by typed disconnect reason (link_lost: the peer vanished)",
            self.disconnects.clone(),
        );
        r.register("resumes", "Resume tokens presented, by outcome", self.resumes.clone());
        r.register("messages_rejected", "Client messages refused, by reason", self.messages_rejected.clone());
        r.register_with_unit("received", "WebSocket payload received from clients", Unit::Bytes, self.received_bytes.clone());
        r.register_with_unit("sent", "WebSocket payload sent to clients", Unit::Bytes, self.sent_bytes.clone());
        r.register_with_unit("tick_duration", "Work time of one room tick", Unit::Seconds, self.tick_duration.clone());
        r.register("tick_overruns", "Room ticks whose work ran past the next tick's deadline", self.tick_overruns.clone());
        r.register_with_unit("snapshot_size", "Size of one snapshot message", Unit::Bytes, self.snapshot_size.clone());
        r.register_with_unit(
            "snapshot_encode",
            "Time to build and encode one client's snapshot",
            Unit::Seconds,
            self.snapshot_encode.clone(),
        );
        r.register("chat_lines", "Chat lines delivered to a room", self.chat_lines.clone());
        r.register("announcements", "Operator announcements sent to every room", self.announcements.clone());
        r.register("hall_of_fame_writes", "Hall-of-fame results stored", self.hall_of_fame_writes.clone());
        r.register("hall_of_fame_write_errors", "Hall-of-fame write failures", self.hall_of_fame_write_errors.clone());
        r.register(
            "hall_of_fame_dropped",
            "Hall-of-fame results dropped (queue full or store unavailable)",
            self.hall_of_fame_dropped.clone(),
        );
        r.register(
            "hall_of_fame_up",
            "1 while the hall of fame is available, 0 when the server runs without it",
            self.hall_of_fame_up.clone(),
        );
        r.register("redis_up", "With --redis: 1 while Redis answers the heartbeat", self.redis_up.clone());
        r.register("fleet_servers", "With --redis: live servers in the fleet registry, this one included", self.fleet_servers.clone());
        r.register("redis_commands", "With --redis: commands sent to Redis", self.redis_commands.clone());
        self
    }

    /// Counts one ended game socket: `None` when the link died (no close frame was sent).
    pub fn disconnected(&self, reason: Option<&DisconnectReason>) {
        // A violation is also the message (or frame) that broke the rules.
        if let Some(DisconnectReason::Violation(violation)) = reason {
            self.rejected(violation.label());
        }
        let reason = reason.map_or("link_lost", DisconnectReason::label);
        self.disconnects.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// Counts one refused client message.
    pub fn rejected(&self, reason: &'static str) {
        self.messages_rejected.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// Counts one resume attempt.
    pub fn resumed(&self, outcome: ResumeOutcome) {
        let outcome = match outcome {
            ResumeOutcome::Resumed => "resumed",
            ResumeOutcome::Expired => "expired",
            ResumeOutcome::Fresh => return,
        };
        self.resumes.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    /// Counts a resume refused because the token's owner is still connected.
    pub fn resume_refused(&self) {
        self.resumes.get_or_create(&OutcomeLabel { outcome: "refused_in_use" }).inc();
    }

    /// The registry in the text exposition format (OpenMetrics 1.0, which Prometheus reads).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The content type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
