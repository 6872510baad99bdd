//! A real `redis-server` (Debian's package, installed by `.ci/install-deps.sh`) on a free
//! loopback port, with no persistence, stopped (and restartable on the same port) by the test.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Redis {
    pub port: u16,
    child: Option<Child>,
}

impl Redis {
    pub fn start() -> Self {
        for _ in 0..5 {
            let mut redis = Self::reserve();
            if redis.try_start() {
                return redis;
            }
        }
        panic!("redis-server did not start (five free ports tried)");
    }

    /// A free port for a Redis that is not running yet (`restart` starts it there).
    pub fn reserve() -> Self {
        // Ask the kernel for a free port, then hand it to redis-server.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self { port, child: None }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts (again) on the same port and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        assert!(self.try_start(), "redis-server did not start on port {} (another process has it?)", self.port);
    }

    /// Starts redis-server on this port; `true` once it answers as our child. Another test may
    /// take the port between our finding it free and our Redis binding it (ours then exits):
    /// a Redis answering there is ours only if its process id is our child's.
    fn try_start(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed: bash .ci/install-deps.sh");
        let pid = child.id();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                if self.answers_as(pid) {
                    return true;
                }
                break;
            }
            if self.child.as_mut().is_some_and(|child| child.try_wait().ok().flatten().is_some()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        false
    }

    /// Whether the Redis on this port is process `pid`.
    fn answers_as(&self, pid: u32) -> bool {
        redis::Client::open(self.url())
            .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(1)))
            .and_then(|mut connection| redis::cmd("INFO").arg("server").query::<String>(&mut connection))
            .is_ok_and(|info| info.lines().any(|line| line.trim() == format!("process_id:{pid}")))
    }

    /// Stops it (SIGKILL: as abrupt as a crash).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
