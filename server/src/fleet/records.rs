//! Players' records in Redis, so a crashed server's players keep their score: each heartbeat
//! stores every player's name and tally under their session (`keys::record`, with the resume
//! window as its TTL, so nothing outlives a session), and the server that seats a player whose
//! server died takes the record (`GETDEL`: a record restores one ship, once).
//!
//! The key holds only the public half of the resume token (as `keys::session` does); the
//! record keeps a check of the other half, so knowing the key is not enough to claim a score.

use std::time::Duration;

use driftfire_shared::protocol::ResumeToken;
use serde::{Deserialize, Serialize};

use super::{Fleet, REDIS_TIMEOUT, keys};
use crate::room::{LiveRecord, Tally};

/// A record as stored (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// Hex of the resume token's second half: a claim must present the whole token.
    pub check: String,
    /// The player's name.
    pub name: String,
    /// Their standing.
    pub tally: Tally,
}

impl StoredRecord {
    /// What the heartbeat stores for `record`.
    pub fn of(record: &LiveRecord) -> Self {
        Self { check: keys::token_check(&record.token), name: record.name.clone(), tally: record.tally }
    }
}

/// What a returning player's record lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordLookup {
    /// Their record (now taken: it restores one ship).
    Found(StoredRecord),
    /// None for this token (expired, never written, already taken, or another token's).
    Missing,
    /// Redis did not answer in time: the player is seated without their score.
    Unavailable,
}

impl RecordLookup {
    /// The `outcome` label of `driftfire_failovers_total`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Found(_) => "restored",
            Self::Missing => "no_record",
            Self::Unavailable => "redis_unavailable",
        }
    }
}

/// How many failovers the admin page lists.
pub const RECENT_FAILOVERS: usize = 20;

/// One player who came in from a server that died, for the admin page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failover {
    /// When (Unix seconds).
    pub at_unix: u64,
    /// The name they asked for.
    pub name: String,
    /// What their record lookup found (`RecordLookup::label`).
    pub outcome: &'static str,
    /// The score restored, if one was.
    pub score: Option<u32>,
}

/// Adds `SET … EX` of every record to `pipe`; returns how many.
pub(super) fn store(pipe: &mut redis::Pipeline, records: &[LiveRecord], ttl: Duration) -> u64 {
    let ttl = ttl.as_secs().max(1);
    let mut stored = 0;
    for record in records {
        // A tally and a name always encode.
        if let Ok(json) = serde_json::to_string(&StoredRecord::of(record)) {
            pipe.set_ex(keys::record(&record.token), json, ttl).ignore();
            stored += 1;
        }
    }
    stored
}

impl Fleet {
    /// Takes the record of `token`'s session, if its server stored one: for a player whose
    /// server is gone (`session_owner` found no live one).
    pub async fn take_record(&self, token: &ResumeToken, name: &str) -> RecordLookup {
        let lookup = self.lookup_record(token).await;
        let score = match &lookup {
            RecordLookup::Found(record) => Some(record.tally.score),
            _ => None,
        };
        let at_unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        // A missing record is what any stale token finds too: not a failover worth listing.
        if lookup != RecordLookup::Missing {
            let mut recent = self.inner.failovers.lock().expect("failovers lock");
            if recent.len() == RECENT_FAILOVERS {
                recent.pop_front();
            }
            recent.push_back(Failover { at_unix, name: name.to_string(), outcome: lookup.label(), score });
        }
        lookup
    }

    /// The latest players who came in from a server that died, oldest first.
    pub fn recent_failovers(&self) -> Vec<Failover> {
        self.inner.failovers.lock().expect("failovers lock").iter().cloned().collect()
    }

    async fn lookup_record(&self, token: &ResumeToken) -> RecordLookup {
        self.count_commands(1);
        let mut redis = self.redis();
        let mut command = redis::cmd("GETDEL");
        command.arg(keys::record(token));
        let json = match tokio::time::timeout(REDIS_TIMEOUT, command.query_async::<Option<String>>(&mut redis)).await {
            Ok(Ok(json)) => json,
            Ok(Err(error)) => {
                tracing::debug!(%error, "could not read a player's record");
                return RecordLookup::Unavailable;
            }
            Err(_) => return RecordLookup::Unavailable,
        };
        match json.and_then(|json| serde_json::from_str::<StoredRecord>(&json).ok()) {
            Some(record) if record.check == keys::token_check(token) => RecordLookup::Found(record),
            _ => RecordLookup::Missing,
        }
    }
}
