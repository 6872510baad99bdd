//! What can go wrong at the hall of fame's boundary: [`HallOfFameError`].

use std::path::PathBuf;

/// Errors at the hall of fame's boundary.
#[derive(Debug, thiserror::Error)]
pub enum HallOfFameError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be opened as an SQLite database (unreadable, corrupt, not a database).
    #[error("cannot open {path} as an SQLite database: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file's schema is not one this server can use (newer than it knows, say).
    #[error("cannot use {path}: {reason}")]
    Schema {
        /// The database file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A schema migration failed (and was rolled back).
    #[error("cannot use {path}: migrating the schema to version {version} failed: {source}")]
    Migration {
        /// The database file.
        path: PathBuf,
        /// The version the failed migration leads to.
        version: i64,
        /// Why.
        source: rusqlite::Error,
    },
    /// The writer thread could not be started.
    #[error("cannot start the hall-of-fame writer thread: {0}")]
    Thread(std::io::Error),
    /// Storing results failed (disk full, read-only file, I/O error…).
    #[error("hall of fame write failed: {0}")]
    Write(rusqlite::Error),
    /// Reading a board failed.
    #[error("hall of fame read failed: {0}")]
    Read(rusqlite::Error),
    /// The Redis URL does not parse.
    #[error("bad Redis URL for the hall of fame: {0}")]
    RedisUrl(redis::RedisError),
    /// A Redis command failed (Redis unreachable, too slow, or it refused the command).
    #[error("hall of fame Redis error: {0}")]
    Redis(redis::RedisError),
    /// The hall of fame is not running; the reason says why.
    #[error("hall of fame unavailable: {0}")]
    Unavailable(String),
}
