//! The web client is served from `--web-dir` on the same port, precompressed when possible.

mod common;

use common::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Raw HTTP/1.1 GET; returns (status line + headers lowercased, body bytes).
async fn get(server: &TestServer, path: &str, accept_encoding: Option<&str>) -> (String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let encoding = accept_encoding.map(|e| format!("Accept-Encoding: {e}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{encoding}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("header end");
    (String::from_utf8_lossy(&response[..split]).to_lowercase(), response[split + 4..].to_vec())
}

#[tokio::test]
async fn bundle_is_served_with_precompressed_variants_and_an_index_fallback() {
    let dir = std::env::temp_dir().join(format!("driftfire-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Driftfire</title>").unwrap();
    std::fs::write(dir.join("game_bg.wasm"), b"\0asm plain").unwrap();
    std::fs::write(dir.join("game_bg.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("game_bg.wasm.gz"), b"gzip bytes").unwrap();
    let config = driftfire_server::ServerConfig { web_dir: Some(dir.clone()), ..Default::default() };
    let server = TestServer::start_with(config).await;

    let (head, body) = get(&server, "/", None).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("Driftfire"));

    let (head, body) = get(&server, "/game_bg.wasm", Some("gzip, deflate, br")).await;
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("content-type: application/wasm"), "{head}");
    assert_eq!(body, b"brotli bytes");

    let (head, body) = get(&server, "/game_bg.wasm", Some("gzip")).await;
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert_eq!(body, b"gzip bytes");

    let (head, body) = get(&server, "/game_bg.wasm", None).await;
    assert!(!head.contains("content-encoding"), "{head}");
    assert_eq!(body, b"\0asm plain");

    // Unknown paths fall back to the page (client-side routes such as share links).
    let (head, body) = get(&server, "/some/where", None).await;
    assert!(head.starts_with("http/1.1 200") && String::from_utf8_lossy(&body).contains("Driftfire"), "{head}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_a_bundle_the_root_explains_itself() {
    let server = TestServer::start().await;
    let (head, body) = get(&server, "/", None).await;
    assert!(head.starts_with("http/1.1 404"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("--web-dir"));
}
