//! A real `redis-server` (Debian's package, installed by `.ci/install-deps.sh`) on a free
//! loopback port, in a temporary directory of its own, stopped (and restartable on the same
//! port) by the test. The one launcher of the tests: the fleet tests use it through
//! `common::redis`, the hall of fame's unit tests through a `#[path]` module.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a starting `redis-server` may take to answer (a loaded CI machine is slow).
const START_PATIENCE: Duration = Duration::from_secs(10);

/// How many free ports [`Redis::start`] tries: another test may take each one first.
const START_ATTEMPTS: usize = 5;

/// A `redis-server` of this test's own. No persistence, except the dump an orderly
/// [`Redis::shutdown_saving`] writes into its temporary directory (a restart loads it).
pub struct Redis {
    pub port: u16,
    /// Its working directory: the dump goes here, and it tells our Redis from another's.
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Redis {
    /// Starts one on a free port.
    pub fn start() -> Self {
        for _ in 0..START_ATTEMPTS {
            let mut redis = Self::reserve();
            if redis.try_start() {
                return redis;
            }
        }
        panic!("redis-server did not start ({START_ATTEMPTS} free ports tried)");
    }

    /// A free port for a Redis that is not running yet (`restart` starts it there).
    pub fn reserve() -> Self {
        // Ask the kernel for a free port, then hand it to redis-server.
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        Self { port, dir: tempfile::tempdir().expect("temp dir"), child: None }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A connection for the test's own checks.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url()).and_then(|c| c.get_connection_with_timeout(Duration::from_secs(1))).expect("connect")
    }

    /// Starts (again) on the same port and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        assert!(self.try_start(), "redis-server did not start on port {} (another process has it?)", self.port);
    }

    /// Stops it (SIGKILL: as abrupt as a crash; what it held is lost).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops it in order (`SHUTDOWN SAVE`): its data is dumped and survives a [`Redis::restart`],
    /// as a production Redis keeps its data across a restart.
    pub fn shutdown_saving(&mut self) {
        let _: redis::RedisResult<()> = redis::cmd("SHUTDOWN").arg("SAVE").query(&mut self.connection());
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    /// Starts redis-server on this port; `true` once it answers and is ours.
    fn try_start(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed: bash .ci/install-deps.sh");
        let pid = child.id();
        self.child = Some(child);
        let deadline = Instant::now() + START_PATIENCE;
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                if self.is_ours(pid) {
                    return true;
                }
                break;
            }
            if self.child.as_mut().is_some_and(|child| child.try_wait().ok().flatten().is_some()) {
                break; // Exited: the port was taken after all.
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.stop();
        false
    }

    /// Whether the Redis answering on this port is process `pid`, our child, running in our
    /// directory. Another test may take the port between our finding it free and our Redis
    /// binding it (ours then exits, and the other one answers): both checks must hold, so
    /// neither a reused process id nor another test's Redis can pass for ours.
    fn is_ours(&self, pid: u32) -> bool {
        let Ok(mut connection) = redis::Client::open(self.url()).and_then(|c| c.get_connection_with_timeout(Duration::from_secs(1))) else {
            return false;
        };
        let same_process = redis::cmd("INFO")
            .arg("server")
            .query::<String>(&mut connection)
            .is_ok_and(|info| info.lines().any(|line| line.trim() == format!("process_id:{pid}")));
        let ours = self.dir.path().canonicalize().ok();
        let theirs = redis::cmd("CONFIG")
            .arg("GET")
            .arg("dir")
            .query::<Vec<String>>(&mut connection)
            .ok()
            .and_then(|reply| reply.get(1).and_then(|dir| std::path::Path::new(dir).canonicalize().ok()));
        same_process && ours.is_some() && ours == theirs
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
