//! The server's Prometheus metrics: one [`Metrics`] registry per server (no global recorder, so
//! tests can run several servers in one process), bumped by connections and rooms, and encoded
//! for `GET /metrics` on the admin listener. Figures the server already keeps elsewhere (open
//! connections, players, rooms, the hall of fame's and the fleet's totals) are not copied in
//! here: a [`Collector`] given to [`Metrics::with_collector`] reads them at scrape time. Names
//! follow Prometheus practice: base units (`_seconds`, `_bytes`), `_total` on counters, no
//! player or room ids as labels.

use prometheus_client::collector::Collector;
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
    /// `resumed`, `expired` or `refused_in_use` (resumes); `restored` or `redis_unavailable`
    /// (failovers).
    pub outcome: &'static str,
}

/// The `transport` label of game sockets.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TransportLabel {
    /// `websocket` or `webtransport` (`Wire::name`).
    pub transport: &'static str,
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
    /// TCP connections accepted.
    pub connections_opened: Counter,
    /// Game sockets opened (upgrades to `/ws`).
    pub sockets_opened: Counter,
    /// Players seated here whose server had died: `restored` (their record came with them) or
    /// `redis_unavailable` (seated without it). A token with no record is counted as an expired
    /// resume: a stale token looks the same.
    pub failovers: Family<OutcomeLabel, Counter>,
    /// Game sockets open now, by transport.
    pub sockets_open: Family<TransportLabel, Gauge>,
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
    /// Inputs dropped to bring a player's input buffer back to its depth after a burst.
    pub inputs_shed: Counter,
    /// Operator announcements sent.
    pub announcements: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// The registry, plus `collector`'s figures read at each scrape (see the module doc).
    pub fn with_collector(collector: impl Collector) -> Self {
        let mut metrics = Self::new();
        metrics.registry.register_collector(Box::new(collector));
        metrics
    }

    /// A registry with every metric registered under the `driftfire_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("driftfire");
        let info = Info::new(vec![("version", env!("CARGO_PKG_VERSION").to_string()), ("protocol", PROTOCOL_VERSION.to_string())]);
        registry.register("build", "The server's version and protocol version", info);
        let metrics = Self {
            connections_opened: Counter::default(),
            sockets_opened: Counter::default(),
            sockets_open: Family::default(),
            failovers: Family::default(),
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
            inputs_shed: Counter::default(),
            announcements: Counter::default(),
            registry,
        };
        metrics.register_all()
    }

    fn register_all(mut self) -> Self {
        let r = &mut self.registry;
        r.register("connections_opened", "TCP connections accepted", self.connections_opened.clone());
        r.register("sockets_opened", "Game sockets opened (WebSocket or WebTransport)", self.sockets_opened.clone());
        r.register("sockets_open", "Game sockets open now, by transport", self.sockets_open.clone());
        r.register(
            "disconnects",
            "Game sockets ended, by typed disconnect reason (link_lost: the peer vanished)",
            self.disconnects.clone(),
        );
        r.register("resumes", "Resume tokens presented, by outcome", self.resumes.clone());
        r.register(
            "failovers",
            "Players seated here after their server died: restored (score kept) or redis_unavailable (seated without it)",
            self.failovers.clone(),
        );
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
        r.register(
            "inputs_shed",
            "Inputs dropped to bring a player's input buffer back to its depth after a burst",
            self.inputs_shed.clone(),
        );
        r.register("announcements", "Operator announcements sent to every room", self.announcements.clone());
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

    /// Counts a game socket open on `transport` until the returned guard drops.
    pub fn socket_open(&self, transport: &'static str) -> OpenSocket {
        let gauge = self.sockets_open.get_or_create(&TransportLabel { transport }).clone();
        gauge.inc();
        OpenSocket(gauge)
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
            ResumeOutcome::Restored => "restored",
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

/// One open game socket in `sockets_open` (see [`Metrics::socket_open`]); dropping it counts the
/// socket closed, however its task ended.
#[derive(Debug)]
pub struct OpenSocket(Gauge);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The content type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
    use prometheus_client::metrics::counter::ConstCounter;

    use super::*;

    /// A total kept elsewhere, as the hall of fame keeps its write count.
    #[derive(Debug)]
    struct Total(Arc<AtomicU64>);

    impl Collector for Total {
        fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
            let total = ConstCounter::new(self.0.load(Ordering::Relaxed));
            total.encode(encoder.encode_descriptor("things", "Things done", None, total.metric_type())?)
        }
    }

    #[test]
    fn scrapes_at_once_all_read_the_true_total() {
        let total = Arc::new(AtomicU64::new(41));
        let metrics = Metrics::with_collector(Total(total.clone()));
        total.store(42, Ordering::Relaxed);
        let scrapes: Vec<String> = std::thread::scope(|s| {
            let scrapers: Vec<_> = (0..8).map(|_| s.spawn(|| metrics.encode())).collect();
            scrapers.into_iter().map(|scraper| scraper.join().unwrap()).collect()
        });
        for scrape in scrapes {
            assert!(scrape.contains("\ndriftfire_things_total 42\n"), "{scrape}");
        }
        total.store(45, Ordering::Relaxed);
        assert!(metrics.encode().contains("\ndriftfire_things_total 45\n"));
    }
}
