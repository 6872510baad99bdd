//! `driftfire-bots`: connects a swarm of bots to a server, prints progress each second, and
//! prints the final figures as one JSON object on the last stdout line. Exits non-zero if any
//! bot failed to connect or was dropped.

use std::time::Duration;

use clap::Parser;
use driftfire_server::bots::link::Transport;
use driftfire_server::bots::{SwarmConfig, run_swarm};
use driftfire_server::conditioner::LinkConditions;
use tracing_subscriber::EnvFilter;

/// A swarm of bots playing Driftfire over real WebSockets or WebTransport.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Game socket URL; several, comma-separated, are entrances the bots come in by in turn and
    /// fail over to (as behind a round-robin name in front of a fleet).
    #[arg(long, env = "DRIFTFIRE_URL", default_value = "ws://127.0.0.1:8080/ws")]
    url: String,
    /// Number of bots.
    #[arg(long, default_value_t = 10)]
    count: usize,
    /// How long to play, seconds.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// Seconds over which connections are spread.
    #[arg(long, default_value_t = 2.0)]
    ramp_seconds: f64,
    /// Bot names are this plus a number.
    #[arg(long, default_value = "bot-")]
    name_prefix: String,
    /// Link conditioner on each bot's download: added milliseconds (this is half a round trip,
    /// as the server's `--sim-latency-ms` is a whole one).
    #[arg(long, default_value_t = 0)]
    sim_latency_ms: u64,
    /// Link conditioner: the download delay varies by up to ± this many milliseconds.
    #[arg(long, default_value_t = 0)]
    sim_jitter_ms: u64,
    /// Transport: `ws`, `wt` (WebTransport datagrams), or `auto` (WebTransport where offered).
    #[arg(long, value_enum, default_value_t = Transport::Ws)]
    transport: Transport,
    /// After a dropped link, come back as the game client does: the session's server first,
    /// then (once it refuses) the entrance `--url`, with the resume token. Reported as drops,
    /// back_in_game, score_kept and back_p50/p99_ms.
    #[arg(long)]
    failover: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")))
        .init();
    let args = Args::parse();
    let config = SwarmConfig {
        url: args.url,
        count: args.count,
        duration: Duration::from_secs_f64(args.seconds.max(0.0)),
        ramp: Duration::from_secs_f64(args.ramp_seconds.max(0.0)),
        name_prefix: args.name_prefix,
        // `downstream()` halves both figures (it models one direction of a round trip).
        link: LinkConditions {
            latency: Duration::from_millis(args.sim_latency_ms * 2),
            jitter: Duration::from_millis(args.sim_jitter_ms * 2),
            bandwidth_bps: 0,
            datagram_loss_percent: 0,
        },
        transport: args.transport,
        failover: args.failover,
    };
    println!("driftfire-bots: {} bots against {} for {:.0} s", config.count, config.url, config.duration.as_secs_f64());
    let report = run_swarm(config, |p| {
        println!(
            "[{:5.1}s] in game {:4}  failed {:3}  dropped {:3}  snapshots {}",
            p.elapsed_s, p.live, p.failed, p.disconnected, p.snapshots
        );
    })
    .await;
    println!("{}", serde_json::to_string(&report).expect("report serialises"));
    let stranded = report.drops > report.back_in_game;
    if report.failed > 0 || report.disconnected > 0 || stranded { std::process::ExitCode::FAILURE } else { std::process::ExitCode::SUCCESS }
}
