//! The figures `/metrics` reads from the server at scrape time, as a prometheus-client
//! [`Collector`]: open connections, players, AI pilots and rooms (from the lobby's room
//! summaries), the hall of fame's running totals and the fleet's Redis figures. Nothing is
//! copied into the registry between scrapes, so two scrapes at once both read the true totals
//! (catching counters up with `inc_by(total - get())` overshot when they raced).

use std::sync::Weak;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use crate::metrics::VisibilityLabel;
use crate::state::ServerState;

/// Reads the server's figures at each scrape. Holds the state weakly: the state owns the
/// metrics registry that owns this collector.
#[derive(Debug)]
pub struct ScrapeCollector {
    state: Weak<ServerState>,
}

impl ScrapeCollector {
    /// A collector for the server whose state `state` will point to.
    pub fn new(state: Weak<ServerState>) -> Self {
        Self { state }
    }
}

/// A count as a gauge value (counts never come near `i64::MAX`; saturate rather than wrap).
fn count(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

fn gauge(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: i64) -> Result<(), std::fmt::Error> {
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
}

fn counter(encoder: &mut DescriptorEncoder, name: &str, help: &str, total: u64) -> Result<(), std::fmt::Error> {
    let counter = ConstCounter::new(total);
    counter.encode(encoder.encode_descriptor(name, help, None, counter.metric_type())?)
}

impl Collector for ScrapeCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        // The server has stopped: nothing left to read.
        let Some(state) = self.state.upgrade() else { return Ok(()) };
        let rooms = state.lobby.summaries();
        let e = &mut encoder;
        gauge(e, "connections", "Open TCP connections (HTTP and game sockets)", count(state.admission.open()))?;
        let players = rooms.iter().map(|r| r.players).sum::<usize>();
        gauge(e, "players", "Players seated in rooms, dropped players waiting to resume included", count(players))?;
        let pilots = rooms.iter().map(|r| r.ai_pilots).sum::<usize>();
        gauge(e, "ai_pilots", "AI pilots flying in rooms (they are not players)", count(pilots))?;
        let mut by_visibility = e.encode_descriptor("rooms", "Open rooms by visibility", None, MetricType::Gauge)?;
        for (visibility, private) in [("public", false), ("private", true)] {
            let open = ConstGauge::new(count(rooms.iter().filter(|r| r.private == private).count()));
            open.encode(by_visibility.encode_family(&VisibilityLabel { visibility })?)?;
        }
        let store = state.services.hall_of_fame.status();
        counter(e, "hall_of_fame_writes", "Hall-of-fame results stored", store.writes_ok)?;
        counter(e, "hall_of_fame_write_errors", "Hall-of-fame write failures", store.write_errors)?;
        counter(e, "hall_of_fame_dropped", "Hall-of-fame results dropped (queue full or store unavailable)", store.dropped)?;
        let up = i64::from(store.available);
        gauge(e, "hall_of_fame_up", "1 while the hall of fame is available, 0 when the server runs without it", up)?;
        // Without a fleet these read 0, as before: dashboards find the series either way.
        let fleet = state.fleet.as_ref();
        let redis_up = fleet.is_some_and(|f| f.redis_up());
        gauge(e, "redis_up", "With --redis: 1 while Redis answers the heartbeat", i64::from(redis_up))?;
        let servers = fleet.map_or(0, |f| count(f.registry_size()));
        gauge(e, "fleet_servers", "With --redis: live servers in the fleet registry, this one included", servers)?;
        counter(e, "redis_commands", "With --redis: commands sent to Redis", fleet.map_or(0, |f| f.commands_sent()))?;
        Ok(())
    }
}
