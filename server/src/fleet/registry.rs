//! The heartbeat: every [`HEARTBEAT`] this server writes its registry entry (with a TTL, so a
//! crash takes it off every list) and reads every other live server's entry into the cached
//! directory. Redis down: the directory empties (the server falls back to its own rooms) and
//! the loop keeps trying; Redis back: the next beat re-registers without help.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tokio_util::sync::CancellationToken;

use super::{ENTRY_TTL, Fleet, HEARTBEAT, LocalLoad, ServerEntry, keys, records};
use crate::room::LiveRecord;

/// Runs until shutdown, publishing what `local_load` reads each beat; on the way out, removes
/// this server's entry so its rooms leave the lists at once instead of after the TTL.
pub(super) async fn heartbeat(fleet: Fleet, local_load: impl Fn() -> LocalLoad, record_ttl: Duration, shutdown: CancellationToken) {
    let mut redis = fleet.redis();
    let mut ticker = tokio::time::interval(HEARTBEAT);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {}
        }
        let mut load = local_load();
        let records = std::mem::take(&mut load.records);
        let entry = local_entry(&fleet, load);
        match beat(&fleet, &mut redis, &entry, &records, record_ttl).await {
            Ok(others) => {
                let others = fleet.inner.liveness.lock().expect("liveness lock").live(others, Instant::now());
                if !fleet.inner.redis_up.swap(true, Ordering::Relaxed) {
                    tracing::info!(server = fleet.server_id(), "registered in the fleet directory");
                }
                fleet.inner.registry_size.store(others.len() as u64 + 1, Ordering::Relaxed);
                *fleet.inner.others.write().expect("directory lock") = others;
            }
            Err(error) => {
                if fleet.inner.redis_up.swap(false, Ordering::Relaxed) {
                    tracing::warn!(%error, "Redis unreachable: serving local rooms only until it is back");
                }
                fleet.inner.registry_size.store(0, Ordering::Relaxed);
                fleet.inner.others.write().expect("directory lock").clear();
            }
        }
    }
    let id = fleet.server_id().to_string();
    let gone: redis::RedisResult<()> = redis::pipe().del(keys::server(&id)).srem(keys::SERVERS, &id).query_async(&mut redis).await;
    if let Err(error) = gone {
        tracing::debug!(%error, "could not deregister; the entry expires by itself");
    }
}

/// This server's entry as of now.
fn local_entry(fleet: &Fleet, load: LocalLoad) -> ServerEntry {
    ServerEntry {
        beat: fleet.inner.beats.fetch_add(1, Ordering::Relaxed) + 1,
        id: fleet.server_id().to_string(),
        url: fleet.public_url().to_string(),
        draining: load.draining,
        players: load.players(),
        free_rooms: load.free_rooms,
        tick_p99_ms: load.tick_p99_ms,
        rooms: load.rooms,
    }
}

/// One heartbeat: publish this server and its players' records, then read the others. Three
/// round trips whatever the number of players: `SET`+`SADD`+one `SET` per player's record in
/// one pipeline, `SMEMBERS`, `MGET` (and an `SREM` when a server has expired).
async fn beat(
    fleet: &Fleet,
    redis: &mut ConnectionManager,
    entry: &ServerEntry,
    records: &[LiveRecord],
    record_ttl: Duration,
) -> redis::RedisResult<Vec<ServerEntry>> {
    let json = serde_json::to_string(entry).map_err(|e| redis::RedisError::from((redis::ErrorKind::Client, "encode", e.to_string())))?;
    let ttl = ENTRY_TTL.as_secs();
    let mut pipe = redis::pipe();
    pipe.set_ex(keys::server(&entry.id), json, ttl).ignore().sadd(keys::SERVERS, &entry.id).ignore();
    let stored = records::store(&mut pipe, records, record_ttl);
    let () = pipe.query_async(redis).await?;
    let ids: Vec<String> = redis.smembers(keys::SERVERS).await?;
    let ids: Vec<String> = ids.into_iter().filter(|id| *id != entry.id).collect();
    fleet.count_commands(3 + stored);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = ids.iter().map(|id| keys::server(id)).collect();
    let values: Vec<Option<String>> = redis::cmd("MGET").arg(&keys).query_async(redis).await?;
    fleet.count_commands(1);
    let mut others = Vec::new();
    let mut expired = Vec::new();
    for (id, value) in ids.into_iter().zip(values) {
        match value.map(|json| serde_json::from_str::<ServerEntry>(&json)) {
            Some(Ok(server)) => others.push(server),
            Some(Err(error)) => tracing::debug!(server = %id, %error, "unreadable registry entry ignored"),
            None => expired.push(id),
        }
    }
    if !expired.is_empty() {
        tracing::info!(servers = ?expired, "servers left the fleet (entries expired)");
        let _: redis::RedisResult<()> = redis.srem(keys::SERVERS, &expired).await;
        fleet.count_commands(1);
    }
    Ok(others)
}
