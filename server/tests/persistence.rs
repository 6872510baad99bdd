//! The hall of fame survives the process: the real `driftfire-server` binary on a data dir,
//! killed with SIGKILL a second after a result (nothing older than that may be lost) or stopped
//! with SIGTERM while a pilot is still flying (their life is recorded at shutdown), then
//! started again on the same data dir.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Client, http_to, send};
use driftfire_shared::protocol::ClientMsg;

/// A server process and its game address.
struct Process {
    child: Child,
    addr: SocketAddr,
}

impl Process {
    fn start(data_dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_driftfire-server"))
            .args(["--bind", "127.0.0.1:0", "--admin-bind", "off", "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start driftfire-server");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        // Logs share stdout: find "Driftfire server on http://127.0.0.1:PORT/  (...)".
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(stdout.read_line(&mut line).expect("server output") > 0, "the server exited before printing its address");
            if let Some(rest) = line.strip_prefix("Driftfire server on http://") {
                break rest.split('/').next().expect("address").parse().expect("socket address");
            }
        };
        // Keep draining, so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Self { child, addr }
    }

    async fn board(&self) -> String {
        http_to(self.addr, "GET /api/hall-of-fame?period=all&limit=100 HTTP/1.1", "").await
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn kill_9_loses_at_most_the_last_second() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Process::start(data.path());
    let mut pilot = Client::join(&format!("ws://{}/ws", server.addr), "survivor").await;
    send(&mut pilot.ws, &ClientMsg::Leave).await;
    common::expect_close(&mut pilot.ws).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();

    let again = Process::start(data.path());
    let board = again.board().await;
    assert!(board.contains("\"name\":\"survivor\""), "{board}");
}

#[tokio::test]
async fn sigterm_records_the_lives_still_in_play() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Process::start(data.path());
    let mut pilot = Client::join(&format!("ws://{}/ws", server.addr), "lastpilot").await;
    pilot.input(0.0, true, false).await;
    pilot.until_snapshot(|_| true).await;
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "graceful exit: {exit:?}");

    let again = Process::start(data.path());
    let board = again.board().await;
    assert!(board.contains("\"name\":\"lastpilot\""), "{board}");
}
