//! Server settings: [`ServerConfig`] holds every default once, and [`ServerFlags`] (the
//! command-line flags and their environment variables) takes its defaults from it and applies
//! every range check on the way in.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use driftfire_shared::sim::DEFAULT_TICK_HZ;

use crate::conditioner::LinkConditions;

/// Where the server listens unless told otherwise: loopback only, so a first run on a laptop
/// is not reachable from the network.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Where the admin listener (`/metrics`, the admin page) listens unless told otherwise:
/// loopback only, as the admin page can send announcements. 9100 is Prometheus' customary
/// exporter port range.
pub const DEFAULT_ADMIN_BIND: &str = "127.0.0.1:9100";

/// Ships a public room keeps in play with AI pilots unless told otherwise: eight is a fight
/// within seconds of spawning in the 4,000-unit arena without crowding it.
pub const DEFAULT_MIN_SHIPS: usize = 8;

/// The hall of fame's folder unless told otherwise, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "data";

/// The sides an arena may have, world units: below 600 a ship can barely turn between walls;
/// above 20,000 the interest grid and the asteroid field get needlessly sparse and large.
pub const ARENA_SIDE_RANGE: std::ops::RangeInclusive<f32> = 600.0..=20_000.0;

/// Settings of the scale-out mode (`--redis`): plain data, read by the fleet.
#[derive(Clone, Debug)]
pub struct FleetConfig {
    /// `redis://host:port/db`.
    pub redis_url: String,
    /// The address browsers use to reach this server's game socket (`ws(s)://…/ws`).
    pub public_url: String,
    /// This server's id in the registry (unique in the fleet).
    pub server_id: String,
}

/// Everything the server can be told. `Default` gives the documented defaults.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Simulation and snapshot rate of every room, ticks per second.
    pub tick_hz: u16,
    /// Players per room; quick play opens another room when all are full. 50 fills the
    /// 4,000-unit arena without crowding it.
    pub max_players_per_room: usize,
    /// Most rooms at once; with all full, new players get `ServerFull`.
    pub max_rooms: usize,
    /// Directory with the built web client (index.html and the wasm bundle), served at `/`.
    pub web_dir: Option<PathBuf>,
    /// A connection that has not sent Hello within this time is closed. 10 s covers a slow
    /// device whose page is still busy starting up when its socket opens.
    pub handshake_timeout: Duration,
    /// Seed for room simulations; each room derives its own from it.
    pub seed: u64,
    /// Simulated bad network on every connection (testing and demos); perfect by default.
    pub link: LinkConditions,
    /// Most bytes of entity data in one snapshot for one client (0 = no limit). When more
    /// changed, the nearest and fastest go first and the rest follow on the next ticks.
    /// 1,000 bytes a tick (30 KB/s) never binds in normal play (a crowded view is ~200 bytes)
    /// but spreads a join's full snapshot in a crowd over a few ticks.
    pub snapshot_budget_bytes: usize,
    /// Width and height of each room's arena, world units (see [`ARENA_SIDE_RANGE`]).
    pub arena_side: f32,
    /// Most WebSocket connections at once (0 = no cap); more are closed with 1013.
    pub max_connections: usize,
    /// Most connections from one address (0 = no cap). 32 leaves room for players behind one
    /// NAT (a school, a LAN party); load tests from one machine pass 0.
    pub max_conns_per_ip: usize,
    /// The server sends a protocol ping this often.
    pub ping_interval: Duration,
    /// A protocol ping unanswered this long means the client stopped reading its socket (it
    /// may still be sending): it is dropped with `NotReading`. Browsers answer pings from their
    /// network stack even in a hidden or frozen tab; with [`ping_interval`](Self::ping_interval)
    /// of 2 s a client that stops reading is gone within about 5 s.
    pub pong_timeout: Duration,
    /// A TCP connection that has not sent a complete HTTP request head within this time (from
    /// accept, or since its last response) is closed: silent sockets and slowloris.
    pub header_timeout: Duration,
    /// Most rooms that clients from one address may have opened (with "create room") and still
    /// open (0 = no cap). Quick play's rooms do not count.
    pub max_rooms_per_ip: usize,
    /// A private room with nobody in it closes after this long (its creator left it empty),
    /// sooner than a public room's [`room_idle_close`](Self::room_idle_close).
    pub private_room_idle_close: Duration,
    /// A client silent this long (not even a pong) is dropped.
    pub idle_timeout: Duration,
    /// Bearer token for `POST /api/announce`; without one, announcements are disabled.
    pub admin_token: Option<String>,
    /// A dropped player's ship, score and seat wait this long for them to resume.
    pub resume_window: Duration,
    /// A room with no players for this long closes and frees its memory.
    pub room_idle_close: Duration,
    /// Where the hall of fame's database lives (created on start); `None` runs without a hall
    /// of fame (the library's default, for tests; the binary's `--data-dir` defaults to
    /// [`DEFAULT_DATA_DIR`]).
    pub data_dir: Option<PathBuf>,
    /// One server of a fleet (`--redis`); `None` for a single server.
    pub fleet: Option<FleetConfig>,
    /// Ships a public room keeps in play with AI pilots while at least one human is in it (0:
    /// none). The library's default is 0 (tests count ships); the binary's `--min-ships`
    /// defaults to [`DEFAULT_MIN_SHIPS`].
    pub min_ships: usize,
    /// On Ctrl-C / SIGTERM, take no new players, tell the ones here, and wait up to this long
    /// (or until the last one leaves) before shutting down; zero shuts down at once.
    pub drain: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            tick_hz: DEFAULT_TICK_HZ,
            max_players_per_room: 50,
            max_rooms: 64,
            web_dir: None,
            handshake_timeout: Duration::from_secs(10),
            seed: 0x0D21_F7F1_2E00,
            link: LinkConditions::default(),
            snapshot_budget_bytes: 1000,
            arena_side: 4000.0,
            max_connections: 10_000,
            max_conns_per_ip: 32,
            ping_interval: Duration::from_secs(2),
            pong_timeout: Duration::from_secs(3),
            header_timeout: Duration::from_secs(10),
            max_rooms_per_ip: 4,
            private_room_idle_close: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(15),
            admin_token: None,
            resume_window: Duration::from_secs(driftfire_shared::protocol::RESUME_WINDOW_SECS),
            room_idle_close: Duration::from_secs(60),
            data_dir: None,
            fleet: None,
            drain: Duration::ZERO,
            min_ships: 0,
        }
    }
}

/// The server's flags (each also read from its environment variable); every default comes
/// from [`ServerConfig::default`]. Turn them into a config with [`ServerFlags::into_config`].
#[derive(clap::Args, Debug, Clone)]
pub struct ServerFlags {
    /// Address and port to listen on.
    #[arg(long, env = "DRIFTFIRE_BIND", default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,
    /// Simulation and snapshot rate, ticks per second.
    #[arg(long, env = "DRIFTFIRE_TICK_HZ", default_value_t = ServerConfig::default().tick_hz, value_parser = clap::value_parser!(u16).range(1..=240))]
    tick_hz: u16,
    /// Players per room; quick play opens another room when all are full.
    #[arg(long, env = "DRIFTFIRE_MAX_PLAYERS", default_value_t = ServerConfig::default().max_players_per_room)]
    max_players: usize,
    /// Most rooms at once.
    #[arg(long, env = "DRIFTFIRE_MAX_ROOMS", default_value_t = ServerConfig::default().max_rooms)]
    max_rooms: usize,
    /// Directory of the built web client to serve at `/`.
    #[arg(long, env = "DRIFTFIRE_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Seconds a new connection may take to send Hello.
    #[arg(long, env = "DRIFTFIRE_HANDSHAKE_TIMEOUT_S", default_value_t = ServerConfig::default().handshake_timeout.as_secs())]
    handshake_timeout_s: u64,
    /// Link conditioner: round-trip milliseconds added to every connection (half each way).
    /// For testing and demos only.
    #[arg(long, env = "DRIFTFIRE_SIM_LATENCY_MS", default_value_t = millis(ServerConfig::default().link.latency))]
    sim_latency_ms: u64,
    /// Link conditioner: the round trip varies by up to ± this many milliseconds.
    #[arg(long, env = "DRIFTFIRE_SIM_JITTER_MS", default_value_t = millis(ServerConfig::default().link.jitter))]
    sim_jitter_ms: u64,
    /// Link conditioner: cap each client's download at this many kilobits per second (0 = none).
    #[arg(long, env = "DRIFTFIRE_SIM_BANDWIDTH_KBPS", default_value_t = ServerConfig::default().link.bandwidth_bps / 1000)]
    sim_bandwidth_kbps: u64,
    /// Link conditioner: lose this share of WebTransport datagrams each way, percent (0–50).
    #[arg(long, env = "DRIFTFIRE_SIM_DATAGRAM_LOSS_PERCENT", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=50))]
    sim_datagram_loss_percent: u8,
    /// Most bytes of entity data per snapshot per client (0 = no limit).
    #[arg(long, env = "DRIFTFIRE_SNAPSHOT_BUDGET_BYTES", default_value_t = ServerConfig::default().snapshot_budget_bytes)]
    snapshot_budget_bytes: usize,
    /// Most WebSocket connections at once (0 = no cap).
    #[arg(long, env = "DRIFTFIRE_MAX_CONNECTIONS", default_value_t = ServerConfig::default().max_connections)]
    max_connections: usize,
    /// Most connections from one IP address (0 = no cap; load tests from one host need 0).
    #[arg(long, env = "DRIFTFIRE_MAX_CONNS_PER_IP", default_value_t = ServerConfig::default().max_conns_per_ip)]
    max_conns_per_ip: usize,
    /// Token that authorises `POST /api/announce` (as `Authorization: Bearer TOKEN`); without
    /// it, announcements are disabled. Prefer the environment variable to keep it out of `ps`.
    #[arg(long, env = "DRIFTFIRE_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Seconds a dropped player's ship, score and seat wait for them to reconnect.
    #[arg(long, env = "DRIFTFIRE_RESUME_WINDOW_S", default_value_t = ServerConfig::default().resume_window.as_secs())]
    resume_window_s: u64,
    /// Seconds an empty room stays open before it closes.
    #[arg(long, env = "DRIFTFIRE_ROOM_IDLE_CLOSE_S", default_value_t = ServerConfig::default().room_idle_close.as_secs())]
    room_idle_close_s: u64,
    /// Seconds an empty private room stays open before it closes.
    #[arg(long, env = "DRIFTFIRE_PRIVATE_ROOM_IDLE_CLOSE_S", default_value_t = ServerConfig::default().private_room_idle_close.as_secs())]
    private_room_idle_close_s: u64,
    /// Most rooms opened with "create room" from one IP address and still open (0 = no cap).
    #[arg(long, env = "DRIFTFIRE_MAX_ROOMS_PER_IP", default_value_t = ServerConfig::default().max_rooms_per_ip)]
    max_rooms_per_ip: usize,
    /// Seconds a TCP connection may take to send a complete HTTP request head.
    #[arg(long, env = "DRIFTFIRE_HEADER_TIMEOUT_S", default_value_t = ServerConfig::default().header_timeout.as_secs())]
    header_timeout_s: u64,
    /// Side of each room's square arena, world units (600–20000).
    #[arg(long, env = "DRIFTFIRE_ARENA_SIDE", default_value_t = ServerConfig::default().arena_side)]
    arena_side: f32,
    /// Address of the admin listener (`/metrics`, the admin page), or `off`. Keep it private:
    /// the default is loopback only.
    #[arg(long, env = "DRIFTFIRE_ADMIN_BIND", default_value = DEFAULT_ADMIN_BIND, value_parser = parse_admin_bind)]
    pub admin_bind: AdminBind,
    /// WebTransport (HTTP/3 over QUIC) for players on lossy networks: `on` (UDP, the same port
    /// number as `--bind`), a UDP port number, or `off` (WebSocket only).
    #[arg(long, env = "DRIFTFIRE_WEBTRANSPORT", default_value = "on", value_parser = parse_webtransport)]
    pub webtransport: WebTransportPort,
    /// Certificate chain (PEM) WebTransport presents, e.g. Let's Encrypt's `fullchain.pem`.
    /// Without it and `--tls-key`, a development certificate the page trusts by its hash.
    #[arg(long, env = "DRIFTFIRE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) of `--tls-cert`, e.g. `privkey.pem`.
    #[arg(long, env = "DRIFTFIRE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Redis URL (`redis://host:port/db`): run as one server of a fleet that shares rooms,
    /// room codes, announcements and boards. Without it, a single server.
    #[arg(long = "redis", env = "DRIFTFIRE_REDIS_URL")]
    pub redis: Option<String>,
    /// With `--redis`: the game-socket URL browsers use to reach this server
    /// (`ws(s)://host[:port]/ws`, e.g. behind a TLS proxy `wss://eu1.example.net/ws`).
    /// Default: `ws://<bound address>/ws` (not allowed when binding 0.0.0.0).
    #[arg(long, env = "DRIFTFIRE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// With `--redis`: this server's id in the fleet (default: derived from the public URL).
    #[arg(long, env = "DRIFTFIRE_SERVER_ID")]
    pub server_id: Option<String>,
    /// Ships each public room keeps in play with AI pilots while a human is in it (0 = none).
    #[arg(long, env = "DRIFTFIRE_MIN_SHIPS", default_value_t = DEFAULT_MIN_SHIPS)]
    min_ships: usize,
    /// Seconds to drain on Ctrl-C / SIGTERM before shutting down: no new players (a fleet sends
    /// them elsewhere), the players here are told, and the server stops when the last one
    /// leaves or the time is up (0 = stop at once).
    #[arg(long, env = "DRIFTFIRE_DRAIN_S", default_value_t = 0)]
    drain_s: u64,
    /// Folder of the hall of fame's SQLite database (created on start).
    #[arg(long, env = "DRIFTFIRE_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
}

/// The admin listener's address, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminBind {
    /// Serve the admin listener here.
    At(SocketAddr),
    /// No admin listener.
    Off,
}

/// Where WebTransport listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebTransportPort {
    /// UDP on the game listener's port number.
    SameAsGame,
    /// UDP on this port.
    Port(u16),
    /// No WebTransport.
    Off,
}

fn parse_webtransport(value: &str) -> Result<WebTransportPort, String> {
    match value.to_ascii_lowercase().as_str() {
        "on" => Ok(WebTransportPort::SameAsGame),
        "off" => Ok(WebTransportPort::Off),
        port => port.parse().map(WebTransportPort::Port).map_err(|_| format!("expected on, off or a UDP port, not {value:?}")),
    }
}

fn parse_admin_bind(value: &str) -> Result<AdminBind, String> {
    if value.eq_ignore_ascii_case("off") {
        return Ok(AdminBind::Off);
    }
    value.parse().map(AdminBind::At).map_err(|error| format!("{error}: expected HOST:PORT or `off`"))
}

/// Whole milliseconds of `d`, for flags given in milliseconds.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl ServerFlags {
    /// The fleet settings, once the game listener is bound at `bound` (`None` without
    /// `--redis`). The public URL defaults to `ws://<bound>/ws`, which only works when the
    /// address is a specific one; the server id defaults to the public URL's host and port.
    pub fn fleet_config(&self, bound: SocketAddr) -> Result<Option<FleetConfig>, String> {
        let Some(redis_url) = self.redis.clone().filter(|url| !url.is_empty()) else { return Ok(None) };
        let public_url = match &self.public_url {
            Some(url) if url.starts_with("ws://") || url.starts_with("wss://") => url.clone(),
            Some(url) => return Err(format!("--public-url {url:?} must start with ws:// or wss://")),
            None if bound.ip().is_unspecified() => {
                return Err(format!("--public-url is required with --redis when binding {bound}: players need a reachable address"));
            }
            None => format!("ws://{bound}/ws"),
        };
        let server_id = match &self.server_id {
            Some(id) if !id.is_empty() => id.clone(),
            _ => public_url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or(&public_url).to_string(),
        };
        Ok(Some(FleetConfig { redis_url, public_url, server_id }))
    }

    /// The config these flags describe, with every value brought into its valid range: at
    /// least one player per room, one room, a one-second handshake and header timeout; the arena side within
    /// [`ARENA_SIDE_RANGE`] (the default side if it is not a number); an empty admin token
    /// means none.
    pub fn into_config(self) -> ServerConfig {
        let defaults = ServerConfig::default();
        let arena_side = if self.arena_side.is_finite() {
            self.arena_side.clamp(*ARENA_SIDE_RANGE.start(), *ARENA_SIDE_RANGE.end())
        } else {
            defaults.arena_side
        };
        ServerConfig {
            tick_hz: self.tick_hz,
            max_players_per_room: self.max_players.max(1),
            max_rooms: self.max_rooms.max(1),
            web_dir: self.web_dir,
            handshake_timeout: Duration::from_secs(self.handshake_timeout_s.max(1)),
            link: LinkConditions {
                latency: Duration::from_millis(self.sim_latency_ms),
                jitter: Duration::from_millis(self.sim_jitter_ms),
                bandwidth_bps: self.sim_bandwidth_kbps * 1000,
                datagram_loss_percent: self.sim_datagram_loss_percent,
            },
            snapshot_budget_bytes: self.snapshot_budget_bytes,
            max_connections: self.max_connections,
            admin_token: self.admin_token.filter(|t| !t.is_empty()),
            max_conns_per_ip: self.max_conns_per_ip,
            resume_window: Duration::from_secs(self.resume_window_s),
            room_idle_close: Duration::from_secs(self.room_idle_close_s),
            private_room_idle_close: Duration::from_secs(self.private_room_idle_close_s),
            max_rooms_per_ip: self.max_rooms_per_ip,
            header_timeout: Duration::from_secs(self.header_timeout_s.max(1)),
            arena_side,
            data_dir: Some(self.data_dir),
            drain: Duration::from_secs(self.drain_s),
            min_ships: self.min_ships,
            ..defaults
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        flags: ServerFlags,
    }

    fn parse(args: &[&str]) -> ServerFlags {
        Cli::try_parse_from(std::iter::once("driftfire-server").chain(args.iter().copied())).unwrap().flags
    }

    #[test]
    fn no_flags_give_the_default_config() {
        let flags = parse(&[]);
        assert_eq!(flags.bind, DEFAULT_BIND.parse().unwrap());
        assert_eq!(flags.admin_bind, AdminBind::At(DEFAULT_ADMIN_BIND.parse().unwrap()));
        let expected = ServerConfig { data_dir: Some(DEFAULT_DATA_DIR.into()), min_ships: DEFAULT_MIN_SHIPS, ..ServerConfig::default() };
        assert_eq!(format!("{:?}", flags.into_config()), format!("{expected:?}"));
        assert_eq!(parse(&["--admin-bind", "off"]).admin_bind, AdminBind::Off);
        assert!(Cli::try_parse_from(["driftfire-server", "--admin-bind", "nowhere"]).is_err());
    }

    #[test]
    fn flags_are_brought_into_range() {
        let config = parse(&["--arena-side", "100", "--max-players", "0", "--handshake-timeout-s", "0", "--admin-token", ""]).into_config();
        assert_eq!(config.arena_side, 600.0);
        assert_eq!((config.max_players_per_room, config.handshake_timeout, config.admin_token), (1, Duration::from_secs(1), None));
        assert_eq!(parse(&["--arena-side", "1e9"]).into_config().arena_side, 20_000.0);
        assert_eq!(parse(&["--arena-side", "NaN"]).into_config().arena_side, ServerConfig::default().arena_side);
        assert_eq!(parse(&["--sim-bandwidth-kbps", "64"]).into_config().link.bandwidth_bps, 64_000);
    }
}
