//! The real `driftfire-server` binary as a child process on a free port: for tests that kill it
//! (SIGKILL, SIGTERM) and start it again.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

/// A server process and its game address.
pub struct Process {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Process {
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Starts the binary on a free port with `args` (no admin listener).
    pub fn start(args: &[&OsStr]) -> Self {
        Self::spawn(&["--admin-bind".as_ref(), "off".as_ref()], args).0
    }

    /// Starts the binary on a free port with `args` and an admin listener on another free
    /// port; returns the admin listener's address too.
    pub fn start_with_admin(args: &[&OsStr]) -> (Self, SocketAddr) {
        let (process, admin) = Self::spawn(&["--admin-bind".as_ref(), "127.0.0.1:0".as_ref()], args);
        (process, admin.expect("the server prints its admin address"))
    }

    fn spawn(admin_args: &[&OsStr], args: &[&OsStr]) -> (Self, Option<SocketAddr>) {
        let with_admin = admin_args.get(1).is_some_and(|a| *a != "off");
        let mut child = Command::new(env!("CARGO_BIN_EXE_driftfire-server"))
            .args(["--bind", "127.0.0.1:0"])
            .args(admin_args)
            .args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start driftfire-server");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        // Logs share stdout: find "Driftfire server on http://127.0.0.1:PORT/  (...)" and, with
        // an admin listener, "Admin page on http://127.0.0.1:PORT/  (...)".
        let address = |line: &str, prefix: &str| -> Option<SocketAddr> {
            line.strip_prefix(prefix).map(|rest| rest.split('/').next().expect("address").parse().expect("socket address"))
        };
        let (mut addr, mut admin) = (None, None);
        let mut line = String::new();
        while addr.is_none() || (with_admin && admin.is_none()) {
            line.clear();
            assert!(stdout.read_line(&mut line).expect("server output") > 0, "the server exited before printing its address");
            addr = addr.or(address(&line, "Driftfire server on http://"));
            admin = admin.or(address(&line, "Admin page on http://"));
        }
        // Keep draining, so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        (Self { child, addr: addr.expect("game address") }, admin)
    }

    pub async fn board(&self) -> String {
        super::http_to(self.addr, "GET /api/hall-of-fame?period=all&limit=100 HTTP/1.1", "").await
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
