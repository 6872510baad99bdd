//! Operator announcements across the fleet: `POST /api/announce` on any server delivers to its
//! own rooms and publishes on [`keys::ANNOUNCE`]; every other server's subscriber delivers to
//! its rooms. The subscriber reconnects and re-subscribes by itself after Redis restarts.

use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Fleet, REDIS_TIMEOUT, keys};

/// Wait between attempts to (re)subscribe while Redis is away.
const RESUBSCRIBE_DELAY: Duration = Duration::from_secs(1);

/// An announcement on the channel.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    /// The server it was posted to (which has delivered it already).
    from: String,
    /// The cleaned text.
    text: String,
}

/// Publishes `text` for every other server. False if Redis did not take it.
pub(super) async fn publish(fleet: &Fleet, text: &str) -> bool {
    let message = Announcement { from: fleet.server_id().to_string(), text: text.to_string() };
    let Ok(json) = serde_json::to_string(&message) else { return false };
    let mut redis = fleet.redis();
    let sent =
        tokio::time::timeout(REDIS_TIMEOUT, redis::cmd("PUBLISH").arg(keys::ANNOUNCE).arg(json).query_async::<i64>(&mut redis)).await;
    fleet.count_commands(1);
    match sent {
        Ok(Ok(_)) => true,
        Ok(Err(error)) => {
            tracing::warn!(%error, "announcement not published to the fleet");
            false
        }
        Err(_) => {
            tracing::warn!("announcement not published to the fleet: Redis timed out");
            false
        }
    }
}

/// Hands other servers' announcements to `announcements` until shutdown. The subscription has
/// a connection of its own (a subscribed connection can send no other command).
pub(super) async fn subscribe(fleet: Fleet, announcements: mpsc::Sender<String>, shutdown: CancellationToken) {
    loop {
        let session = async {
            let mut pubsub = fleet.inner.client.get_async_pubsub().await?;
            pubsub.subscribe(keys::ANNOUNCE).await?;
            tracing::debug!("subscribed to fleet announcements");
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let Ok(payload) = message.get_payload::<String>() else { continue };
                match serde_json::from_str::<Announcement>(&payload) {
                    Ok(announcement) if announcement.from != fleet.server_id() => {
                        tracing::info!(from = %announcement.from, "fleet announcement heard");
                        if announcements.send(announcement.text).await.is_err() {
                            // Nobody delivers any more: the server is shutting down.
                            return Ok(());
                        }
                    }
                    Ok(_) => {}
                    Err(error) => tracing::debug!(%error, "unreadable announcement ignored"),
                }
            }
            redis::RedisResult::Ok(())
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            ended = session => {
                if let Err(error) = ended {
                    tracing::debug!(%error, "announcement subscription lost; retrying");
                }
            }
        }
        if announcements.is_closed() {
            return;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(RESUBSCRIBE_DELAY) => {}
        }
    }
}
