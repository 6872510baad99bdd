//! Finding a server's WebTransport endpoint from its game-socket URL, as the page does with
//! `fetch("/api/transport")`: the pure half that the desktop client and the bots share (each
//! does the few lines of I/O on its own runtime).

/// `host:port` of a `ws://host:port/...` URL (a `wss://` server is reached over TLS, which the
/// plain HTTP/1.1 advert request does not speak: such servers are reached by the WebSocket).
pub fn authority(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("ws://")?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// The request for the advert, to send on a TCP connection to `host` (an [`authority`]).
pub fn request(host: &str) -> String {
    format!("GET /api/transport HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

/// The body of the HTTP response to [`request`] (read to its end), if it has one.
pub fn response_body(response: &[u8]) -> Option<&str> {
    Some(std::str::from_utf8(response).ok()?.split_once("\r\n\r\n")?.1)
}

/// The session URL for the advert's `port` and `path` on the server at `host`.
pub fn session_url(host: &str, port: u64, path: &str) -> String {
    let hostname = host.rsplit_once(':').map_or(host, |(name, _)| name);
    format!("https://{hostname}:{port}{path}")
}

/// The advert's `certificate_sha256` (64 hex digits) as bytes.
pub fn certificate_digest(hex: &str) -> Option<[u8; 32]> {
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect::<Option<_>>()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_bodies_and_hashes_parse() {
        assert_eq!(authority("ws://127.0.0.1:8080/ws"), Some("127.0.0.1:8080"));
        assert_eq!(authority("wss://example.com/ws"), None);
        assert_eq!(session_url("127.0.0.1:8080", 8080, "/wt"), "https://127.0.0.1:8080/wt");
        assert_eq!(response_body(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n{\"x\":1}"), Some("{\"x\":1}"));
        assert_eq!(response_body(b"HTTP/1.1 200 OK\r\n"), None);
        let hex = "00".repeat(31) + "ff";
        assert_eq!(certificate_digest(&hex).map(|d| d[31]), Some(0xff));
        assert!(certificate_digest("abc").is_none());
        assert!(certificate_digest(&"zz".repeat(32)).is_none());
    }
}
