//! The hall of fame survives the process: the real `driftfire-server` binary on a data dir,
//! killed with SIGKILL a second after a result (nothing older than that may be lost) or stopped
//! with SIGTERM while a pilot is still flying (their life is recorded at shutdown), then
//! started again on the same data dir.

mod common;

use std::process::Command;
use std::time::Duration;

use common::process::Process;
use common::{Client, send};
use driftfire_shared::protocol::ClientMsg;

#[tokio::test]
async fn kill_9_loses_at_most_the_last_second() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Process::start(&["--data-dir".as_ref(), data.path().as_os_str()]);
    let mut pilot = Client::join(&server.ws_url(), "survivor").await;
    send(&mut pilot.ws, &ClientMsg::Leave).await;
    common::expect_close(&mut pilot.ws).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();

    let again = Process::start(&["--data-dir".as_ref(), data.path().as_os_str()]);
    let board = again.board().await;
    assert!(board.contains("\"name\":\"survivor\""), "{board}");
}

#[tokio::test]
async fn sigterm_records_the_lives_still_in_play() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Process::start(&["--data-dir".as_ref(), data.path().as_os_str()]);
    let mut pilot = Client::join(&server.ws_url(), "lastpilot").await;
    pilot.input(0.0, true, false).await;
    pilot.until_snapshot(|_| true).await;
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "graceful exit: {exit:?}");

    let again = Process::start(&["--data-dir".as_ref(), data.path().as_os_str()]);
    let board = again.board().await;
    assert!(board.contains("\"name\":\"lastpilot\""), "{board}");
}
