//! Response headers for the page on a real network: the bundle's content-hashed files are cached
//! for a year (`immutable`: a returning player's browser does not even revalidate them), the page
//! and the JSON API are revalidated every time (`no-cache`, with `Last-Modified` from the file
//! server or an `ETag` computed here, so an unchanged answer is a 304), and every response carries
//! the security headers: a `Content-Security-Policy` that lets the page run its own scripts (the
//! inline ones by hash), its wasm, and connect only to this server's socket and WebTransport
//! origins (and a fleet's other servers), `X-Content-Type-Options` and `Referrer-Policy`.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use crate::state::ServerState;

/// Content-hashed files never change: a year, and not even revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// JSON bodies larger than this are passed through without an `ETag` (none is near it).
const MAX_ETAG_BODY: usize = 1 << 20;

/// The policy's parts that do not depend on the server: scripts from this origin (plus the inline
/// ones by hash, see [`content_security_policy`]) and wasm compilation; styles inline (the page's
/// own `<style>` and the loading bar's width); images from here and `data:`/`blob:` (canvas).
const CSP_BASE: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The policy for `index` (the served `index.html`, if any) and `connect` (the origins the page
/// may open sockets and sessions to besides its own).
pub fn content_security_policy(index: Option<&str>, connect: &[String]) -> String {
    let mut scripts = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    scripts.extend(index.map(inline_script_hashes).unwrap_or_default());
    let mut connects = vec!["'self'".to_string()];
    connects.extend(connect.iter().cloned());
    format!("{CSP_BASE}; script-src {}; connect-src {}", scripts.join(" "), connects.join(" "))
}

/// `'sha256-…'` of each inline `<script>` of `html` (those without a `src`), as CSP sources.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else { break };
        let tag = &rest[..open_end];
        let body_start = open_end + 1;
        let Some(close) = rest[body_start..].find("</script>") else { break };
        if !tag.contains("src=") {
            let digest = ring::digest::digest(&ring::digest::SHA256, &rest.as_bytes()[body_start..body_start + close]);
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest.as_ref())));
        }
        rest = &rest[body_start + close..];
    }
    hashes
}

/// The policy a server with this web folder and these extra origins sends.
pub fn policy_for(web_dir: Option<&Path>, connect: &[String]) -> HeaderValue {
    let index = web_dir.and_then(|dir| std::fs::read_to_string(dir.join("index.html")).ok());
    let policy = content_security_policy(index.as_deref(), connect);
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static(CSP_BASE))
}

/// Whether `path` names a file of the bundle whose name carries its content hash (trunk's
/// `filehash`: `driftfire-5a380ff88a802344_bg.wasm`, `ab478f0cdb8fb575-loader.mjs`).
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let is_hash = |part: &str| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit());
    name.contains('.') && name.split(['-', '_', '.']).any(is_hash)
}

/// The middleware: caching and security headers on every response, an `ETag` (and 304) on the
/// JSON API.
pub async fn headers(State(state): State<Arc<ServerState>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let mut response = next.run(request).await;
    if path.starts_with("/api/") && response.status() == StatusCode::OK {
        response = with_etag(response, if_none_match).await;
    }
    let cache = if response.status().is_success() && is_content_hashed(&path) { IMMUTABLE } else { "no-cache" };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CONTENT_SECURITY_POLICY, state.content_security_policy.clone());
    response
}

/// Adds a weak `ETag` (a hash of the body) and answers 304 when the client already has it.
async fn with_etag(response: Response, if_none_match: Option<HeaderValue>) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ETAG_BODY).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "response too large\n").into_response();
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let etag = format!("W/\"{:016x}\"", hasher.finish());
    let etag = HeaderValue::from_str(&etag).expect("hex is a valid header value");
    if if_none_match.as_ref() == Some(&etag) {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        not_modified.headers_mut().insert(header::ETAG, etag);
        return not_modified;
    }
    parts.headers.insert(header::ETAG, etag);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_files_with_their_hash_are_immutable_and_the_page_is_not() {
        assert!(is_content_hashed("/driftfire-5a380ff88a802344_bg.wasm"));
        assert!(is_content_hashed("/driftfire-5a380ff88a802344.js"));
        assert!(is_content_hashed("/ab478f0cdb8fb575-loader.mjs"));
        assert!(is_content_hashed("/favicon-7347fa9f2a2a64ae.svg"));
        assert!(!is_content_hashed("/"));
        assert!(!is_content_hashed("/index.html"));
        assert!(!is_content_hashed("/api/status"));
        assert!(!is_content_hashed("/link.js"));
    }

    #[test]
    fn inline_scripts_are_allowed_by_hash_and_nothing_else_inline() {
        let html = r#"<script type="module">import x from "/a.js";</script><script src="/b.js"></script><script>go()</script>"#;
        let policy = content_security_policy(Some(html), &["wss://eu2.example.net".into()]);
        // Two inline scripts, two hashes; the script with a src is covered by 'self'.
        assert_eq!(policy.matches("'sha256-").count(), 2, "{policy}");
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"));
        assert!(policy.contains("connect-src 'self' wss://eu2.example.net"), "{policy}");
        // The digest of "go()", from `printf 'go()' | openssl dgst -sha256 -binary | base64`.
        assert!(policy.contains("'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"), "{policy}");
    }
}
