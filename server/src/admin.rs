//! The admin listener, a second port for operators (`--admin-bind`, loopback by default):
//! `GET /metrics` in the Prometheus text format, `GET /` a plain server-rendered page (rooms
//! with players, tick p99 and overruns; the hall of fame and its health; an announcement form
//! that needs the same token as `POST /api/announce`). It needs nothing of the game's bundle.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use driftfire_shared::protocol::{BOARD_SIZE, BoardEntry, Period};
use serde::Deserialize;
use tokio::net::TcpListener;

use crate::fleet::Failover;
use crate::http::{authorize, send_announcement};
use crate::metrics::CONTENT_TYPE;
use crate::state::ServerState;
use crate::status::summarize;

/// Serves the admin routes on `listener` until shutdown.
pub async fn serve(listener: TcpListener, state: Arc<ServerState>) {
    let shutdown = state.shutdown.clone();
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(%addr, "admin listener (/metrics, admin page)");
    let router = Router::new()
        .route("/", get(page))
        .route("/metrics", get(metrics))
        .route("/announce", axum::routing::post(announce))
        .with_state(state);
    if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned()).await {
        tracing::error!(%error, "admin listener failed");
    }
}

/// `GET /metrics`: live counters and histograms, and what the scrape collector reads now.
async fn metrics(State(state): State<Arc<ServerState>>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], state.services.metrics.encode()).into_response()
}

/// The announcement form's fields.
#[derive(Debug, Deserialize)]
struct AnnounceForm {
    token: String,
    text: String,
}

/// `POST /announce` from the admin page's form.
async fn announce(State(state): State<Arc<ServerState>>, Form(form): Form<AnnounceForm>) -> Response {
    let sent = match authorize(&state, Some(form.token.as_str())) {
        Ok(()) => send_announcement(&state, &form.text).await,
        Err(refused) => Err(refused),
    };
    match sent {
        Ok(rooms) => {
            let body = format!(
                "<!doctype html><meta charset=utf-8><title>Announced</title><p>Announced to {rooms} rooms.</p><p><a href=\"/\">Back</a></p>"
            );
            (StatusCode::OK, Html(body)).into_response()
        }
        Err(refused) => refused.into_response(),
    }
}

/// `GET /`: the admin page.
async fn page(State(state): State<Arc<ServerState>>) -> Html<String> {
    let status = summarize(&state);
    let store = state.services.hall_of_fame.clone();
    let boards = tokio::task::spawn_blocking(move || Period::ALL.map(|period| (period, store.top(period, BOARD_SIZE)))).await;
    let mut html = String::with_capacity(16 * 1024);
    html.push_str(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Driftfire admin</title>\
         <style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0 1.5em}\
         td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#eee}.bad{color:#b00}</style>\
         <h1>Driftfire admin</h1>",
    );
    let _ = write!(
        html,
        "<p>Version {} (protocol {}), up {} s. {} connections, {} players in {} rooms; tick p99 {:.2} ms, {} overruns. \
         <a href=\"/metrics\">/metrics</a></p>",
        status.version,
        status.protocol,
        status.uptime_s,
        status.connections,
        status.players,
        status.rooms,
        status.tick_p99_ms,
        status.tick_overruns
    );
    html.push_str("<h2>Rooms</h2>");
    if status.room_list.is_empty() {
        html.push_str("<p>No rooms are open.</p>");
    } else {
        html.push_str("<table><tr><th>#</th><th>Name</th><th>Visibility</th><th>Players</th><th>AI pilots</th><th>Tick p99</th><th>Overruns</th></tr>");
        for room in &status.room_list {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td><td>{:.2} ms</td><td>{}</td></tr>",
                room.id,
                escape(&room.name),
                if room.private { "private" } else { "public" },
                room.players,
                room.max_players,
                room.ai_pilots,
                room.tick_p99_ms,
                room.tick_overruns
            );
        }
        html.push_str("</table>");
    }
    if let Some(fleet) = state.fleet.as_ref() {
        failover_table(&mut html, &fleet.recent_failovers());
    }
    html.push_str("<h2>Hall of fame</h2>");
    let hof = &status.hall_of_fame;
    if hof.available {
        let _ =
            write!(html, "<p>Recording: {} results stored, {} write errors, {} dropped.</p>", hof.writes_ok, hof.write_errors, hof.dropped);
    } else {
        let reason = hof.reason.as_deref().unwrap_or("unknown");
        let _ = write!(html, "<p class=bad>Unavailable: {}. The game runs without it.</p>", escape(reason));
    }
    if let Ok(boards) = boards {
        for (period, board) in boards {
            let _ = write!(html, "<h3>{}</h3>", period.title());
            match board {
                Ok(entries) if entries.is_empty() => html.push_str("<p>No results yet.</p>"),
                Ok(entries) => board_table(&mut html, &entries),
                Err(error) => {
                    let _ = write!(html, "<p class=bad>{}</p>", escape(&error.to_string()));
                }
            }
        }
    }
    html.push_str("<h2>Announcement</h2>");
    if state.config.admin_token.is_some() {
        html.push_str(
            "<form method=post action=\"/announce\"><p><label>Text <input name=text size=60 maxlength=500 required></label></p>\
             <p><label>Admin token <input name=token type=password required></label> <button>Send to every player</button></p></form>",
        );
    } else {
        html.push_str("<p>Announcements are disabled: start the server with <code>DRIFTFIRE_ADMIN_TOKEN</code> set.</p>");
    }
    html.push_str("</html>");
    Html(html)
}

/// The latest players who came here from a server that died.
fn failover_table(html: &mut String, failovers: &[Failover]) {
    html.push_str("<h2>Recent failovers</h2>");
    if failovers.is_empty() {
        html.push_str("<p>No player has come here from a server that died.</p>");
        return;
    }
    html.push_str("<table><tr><th>When (UTC)</th><th>Player</th><th>Outcome</th><th>Score restored</th></tr>");
    for failover in failovers.iter().rev() {
        let secs = failover.at_unix % 86_400;
        let _ = write!(
            html,
            "<tr><td>{:02}:{:02}:{:02}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            escape(&failover.name),
            failover.outcome,
            failover.score.map_or_else(|| "–".to_string(), |score| score.to_string())
        );
    }
    html.push_str("</table>");
}

fn board_table(html: &mut String, entries: &[BoardEntry]) {
    html.push_str("<table><tr><th>#</th><th>Name</th><th>Score</th><th>Kills</th><th>Deaths</th><th>Alive</th><th>Room</th></tr>");
    for (rank, entry) in entries.iter().enumerate() {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}:{:02}</td><td>{}</td></tr>",
            rank + 1,
            escape(&entry.name),
            entry.score,
            entry.kills,
            entry.deaths,
            entry.alive_secs / 60,
            entry.alive_secs % 60,
            escape(&entry.room)
        );
    }
    html.push_str("</table>");
}

/// Text made safe to put between HTML tags or in a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(escape(r#"<b a="1">'x' & y</b>"#), "&lt;b a=&quot;1&quot;&gt;&#39;x&#39; &amp; y&lt;/b&gt;");
    }
}
