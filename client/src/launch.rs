//! How the game was started: the server to use, a name, whether to skip the title screen, and
//! the remembered pilot name (localStorage on the web, a small file on the desktop) and kept
//! session (its resume token and server, sessionStorage on the web).

use bevy::prelude::*;
use driftfire_shared::protocol::{RESUME_WINDOW_SECS, ResumeToken, RoomTarget};

/// Native default: the server's default bind address.
pub const DEFAULT_NATIVE_SERVER: &str = "ws://127.0.0.1:8080/ws";

/// Start-up options: inserted before the app starts and never changed afterwards.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct Launch {
    /// Game socket URL.
    pub server_url: String,
    /// Name given on the command line or in the URL; overrides the remembered one.
    pub name: Option<String>,
    /// Join straight away (share links, tests).
    pub autoplay: bool,
    /// Quit after this many seconds (native smoke tests).
    pub exit_after_secs: Option<f32>,
    /// The room asked for at start-up (`?room=CODE` / `--room CODE`): quick play, a shared
    /// code, or a new private room. Where Play goes later is `state::PlayTarget`, which starts
    /// from this.
    pub room: RoomTarget,
    /// A render scale pinned by `?render-scale=0.8` (browser only; see `render_scale`).
    pub render_scale: Option<f32>,
    /// The desktop's `--transport` (`auto`, `ws` or `wt`); in the browser `web/link.js` reads
    /// `?transport=` itself.
    pub transport: Option<String>,
}

impl Default for Launch {
    fn default() -> Self {
        Self {
            server_url: DEFAULT_NATIVE_SERVER.into(),
            name: None,
            autoplay: false,
            exit_after_secs: None,
            room: RoomTarget::QuickPlay,
            render_scale: None,
            transport: None,
        }
    }
}

const ADJECTIVES: [&str; 16] =
    ["Swift", "Red", "Silent", "Lucky", "Rogue", "Iron", "Nova", "Ghost", "Solar", "Bold", "Neon", "Dark", "Stray", "Ion", "Quick", "Wild"];
const NOUNS: [&str; 16] = [
    "Falcon", "Comet", "Viper", "Drifter", "Raven", "Pilot", "Spark", "Orbit", "Lancer", "Wasp", "Nomad", "Flare", "Kite", "Pulsar",
    "Hawk", "Moth",
];

/// The room a `room` parameter or flag asks for: "new" opens a private room, "new-ai" one with
/// AI pilots, anything else is a code (checked by the server, which answers "not a room code"
/// if it is not one).
pub fn room_target(param: Option<&str>) -> RoomTarget {
    match param.map(str::trim).filter(|p| !p.is_empty()) {
        None => RoomTarget::QuickPlay,
        Some(p) if p.eq_ignore_ascii_case("new") => RoomTarget::Create { private: true, ai_pilots: false },
        Some(p) if p.eq_ignore_ascii_case("new-ai") => RoomTarget::Create { private: true, ai_pilots: true },
        Some(code) => RoomTarget::Code(code.to_string()),
    }
}

/// The page address that joins room `code` on the server behind `server_url`
/// (`ws://host:port/ws` → `http://host:port/?room=CODE`).
pub fn share_link(server_url: &str, code: &str) -> String {
    let page = server_url.replacen("wss://", "https://", 1).replacen("ws://", "http://", 1);
    let base = page.strip_suffix("/ws").unwrap_or(&page);
    format!("{base}/?room={code}")
}

/// A session the page keeps across a reload: its resume token, and the game socket it is on
/// (in a fleet, not necessarily the page's own server).
#[derive(Debug, Clone, PartialEq)]
pub struct KeptSession {
    /// The token to resume with.
    pub token: ResumeToken,
    /// The server holding the session; `None` when the kept value did not say (an older build
    /// kept it): the page's own.
    pub server: Option<String>,
}

/// A kept session as the page keeps it across a reload: the token in hex, when it was last
/// known good (milliseconds since the epoch), then the server's socket URL.
pub fn encode_resume(kept: &KeptSession, saved_at_ms: f64) -> String {
    let hex: String = kept.token.0.iter().map(|b| format!("{b:02x}")).collect();
    match &kept.server {
        Some(server) => format!("{hex}:{saved_at_ms:.0}:{server}"),
        None => format!("{hex}:{saved_at_ms:.0}"),
    }
}

/// The session kept by [`encode_resume`], if it is well-formed and young enough that the server
/// may still hold it (older ones would only earn an "expired" note). A server that is not a
/// `ws://` or `wss://` URL is ignored.
pub fn decode_resume(kept: &str, now_ms: f64) -> Option<KeptSession> {
    let (hex, rest) = kept.split_once(':')?;
    let (saved_at, server) = match rest.split_once(':') {
        Some((saved_at, server)) => (saved_at, Some(server)),
        None => (rest, None),
    };
    let saved_at: f64 = saved_at.parse().ok()?;
    if !(0.0..RESUME_WINDOW_SECS as f64 * 1000.0).contains(&(now_ms - saved_at)) || hex.len() != 32 {
        return None;
    }
    let mut token = ResumeToken([0; 16]);
    for (i, byte) in token.0.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    let server = server.filter(|url| url.starts_with("ws://") || url.starts_with("wss://")).map(str::to_string);
    Some(KeptSession { token, server })
}

/// The short name of the server behind a game-socket URL, as a list shows it: its host and
/// port (`wss://eu-2.example:8443/ws` → `eu-2.example:8443`).
pub fn server_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// A random pilot name such as "NeonViper42" (at most 16 characters).
pub fn random_pilot_name() -> String {
    let bits = entropy();
    let adjective = ADJECTIVES[(bits & 15) as usize];
    let noun = NOUNS[((bits >> 4) & 15) as usize];
    let number = (bits >> 8) % 100;
    let mut name = format!("{adjective}{noun}{number}");
    name.truncate(driftfire_shared::protocol::MAX_NAME_CHARS);
    name
}

/// The name to prefill: the launch override, else the remembered one, else a random one.
pub fn initial_name(launch: &Launch) -> String {
    launch.name.clone().or_else(load_saved_name).filter(|n| !n.trim().is_empty()).unwrap_or_else(random_pilot_name)
}

#[cfg(not(target_family = "wasm"))]
mod platform {
    use std::path::PathBuf;

    use clap::Parser;

    use super::Launch;

    /// Driftfire, the desktop client.
    #[derive(Parser, Debug)]
    #[command(version, about)]
    struct Args {
        /// Game server socket URL.
        #[arg(long, env = "DRIFTFIRE_SERVER", default_value = super::DEFAULT_NATIVE_SERVER)]
        server: String,
        /// Pilot name (otherwise the remembered or a random one).
        #[arg(long)]
        name: Option<String>,
        /// Skip the title screen and join at once.
        #[arg(long)]
        autoplay: bool,
        /// Quit by itself after this many seconds (for smoke tests).
        #[arg(long)]
        exit_after_secs: Option<f32>,
        /// Join the room with this code, or `new` to open a private room.
        #[arg(long)]
        room: Option<String>,
        /// Transport: `auto` (WebTransport where the server offers it, raced against the
        /// WebSocket), `ws` or `wt`.
        #[arg(long, env = "DRIFTFIRE_TRANSPORT", default_value = "auto", value_parser = ["auto", "ws", "wt"])]
        transport: String,
    }

    /// Reads the command line (and `DRIFTFIRE_SERVER`).
    pub fn from_environment() -> Launch {
        let args = Args::parse();
        Launch {
            server_url: args.server,
            name: args.name,
            autoplay: args.autoplay,
            exit_after_secs: args.exit_after_secs,
            room: super::room_target(args.room.as_deref()),
            render_scale: None,
            transport: Some(args.transport),
        }
    }

    fn name_file() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("driftfire").join("name.txt"))
    }

    /// The name remembered from the last game, if any.
    pub fn load_saved_name() -> Option<String> {
        std::fs::read_to_string(name_file()?).ok().map(|s| s.trim().to_string())
    }

    /// Remembers the name for next time.
    pub fn save_name(name: &str) {
        let Some(path) = name_file() else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(error) = std::fs::write(&path, name) {
            bevy::log::warn!("cannot remember name in {}: {error}", path.display());
        }
    }

    /// The desktop game does not outlive its process: nothing to keep.
    pub fn save_resume(_kept: Option<&super::KeptSession>) {}

    /// See [`save_resume`].
    pub fn load_resume() -> Option<super::KeptSession> {
        None
    }

    /// Bits that differ from run to run (names, reconnect jitter); not for secrets.
    pub fn entropy() -> u64 {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        (nanos as u64) ^ (u64::from(std::process::id()) << 32)
    }
}

#[cfg(target_family = "wasm")]
mod platform {
    use super::Launch;

    const NAME_KEY: &str = "driftfire.name";

    /// Reads `?name=…&autoplay=1&room=CODE&render-scale=S` and derives the socket URL from the page's own address, so
    /// https pages use wss and any host or port works.
    pub fn from_environment() -> Launch {
        let mut launch = Launch::default();
        let Some(window) = web_sys::window() else { return launch };
        let location = window.location();
        let secure = location.protocol().map(|p| p == "https:").unwrap_or(false);
        let host = location.host().unwrap_or_else(|_| "127.0.0.1:8080".into());
        launch.server_url = format!("{}://{host}/ws", if secure { "wss" } else { "ws" });
        if let Ok(params) = location.search().and_then(|s| web_sys::UrlSearchParams::new_with_str(&s)) {
            launch.name = params.get("name").filter(|n| !n.trim().is_empty());
            launch.autoplay = matches!(params.get("autoplay").as_deref(), Some("1" | "true" | "yes"));
            launch.room = super::room_target(params.get("room").as_deref());
            launch.render_scale = params.get("render-scale").and_then(|s| s.parse().ok());
        }
        launch
    }

    /// The page's localStorage, if allowed.
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    /// The name remembered from the last game, if any.
    pub fn load_saved_name() -> Option<String> {
        storage()?.get_item(NAME_KEY).ok()?
    }

    /// Remembers the name for next time.
    pub fn save_name(name: &str) {
        if let Some(storage) = storage() {
            let _ = storage.set_item(NAME_KEY, name);
        }
    }

    const RESUME_KEY: &str = "driftfire.resume";

    /// This tab's sessionStorage: it survives a reload, not a new tab.
    fn session_storage() -> Option<web_sys::Storage> {
        web_sys::window()?.session_storage().ok()?
    }

    /// Keeps the session's resume token and server (with the time) so a reload of this tab
    /// picks the game up where it was; `None` forgets it (the player left on purpose).
    pub fn save_resume(kept: Option<&super::KeptSession>) {
        let Some(storage) = session_storage() else { return };
        let _ = match kept {
            Some(kept) => storage.set_item(RESUME_KEY, &super::encode_resume(kept, js_sys::Date::now())),
            None => storage.remove_item(RESUME_KEY),
        };
    }

    /// The session kept by [`save_resume`], if still young enough to be worth presenting.
    pub fn load_resume() -> Option<super::KeptSession> {
        let kept = session_storage()?.get_item(RESUME_KEY).ok()??;
        super::decode_resume(&kept, js_sys::Date::now())
    }

    /// Bits that differ from run to run (names, reconnect jitter); not for secrets.
    pub fn entropy() -> u64 {
        (js_sys::Math::random() * (u64::MAX as f64)) as u64
    }
}

pub use platform::{entropy, from_environment, load_resume, load_saved_name, save_name, save_resume};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_names_are_valid_and_varied() {
        let names: std::collections::HashSet<String> = (0..50).map(|_| random_pilot_name()).collect();
        for name in &names {
            assert_eq!(driftfire_shared::input::sanitize_name(name).as_deref(), Ok(name.as_str()));
        }
        assert!(names.len() > 1);
    }

    #[test]
    fn room_parameter_picks_the_target() {
        assert_eq!(room_target(None), RoomTarget::QuickPlay);
        assert_eq!(room_target(Some(" ")), RoomTarget::QuickPlay);
        assert_eq!(room_target(Some("NEW")), RoomTarget::Create { private: true, ai_pilots: false });
        assert_eq!(room_target(Some("new-AI")), RoomTarget::Create { private: true, ai_pilots: true });
        assert_eq!(room_target(Some("ab2cd")), RoomTarget::Code("ab2cd".into()));
    }

    #[test]
    fn kept_resume_tokens_come_back_only_while_young_and_well_formed() {
        let session = KeptSession { token: ResumeToken([0xA5; 16]), server: Some("wss://eu-2.example:8443/ws".into()) };
        let kept = encode_resume(&session, 1_000_000.0);
        assert_eq!(decode_resume(&kept, 1_000_500.0), Some(session.clone()));
        assert_eq!(decode_resume(&kept, 1_000_000.0 + RESUME_WINDOW_SECS as f64 * 1000.0 + 1.0), None, "too old");
        assert_eq!(decode_resume(&kept, 999_000.0), None, "from the future");
        assert_eq!(decode_resume("zz:1000000", 1_000_500.0), None);
        assert_eq!(decode_resume(&kept.replace(':', ""), 1_000_500.0), None);
        // Kept without a server (an older build): the page's own server.
        let bare = KeptSession { server: None, ..session.clone() };
        assert_eq!(decode_resume(&encode_resume(&bare, 1_000_000.0), 1_000_500.0), Some(bare.clone()));
        // Anything but a game socket is not connected to.
        let odd = format!("{}:1000000:javascript:alert(1)", "a5".repeat(16));
        assert_eq!(decode_resume(&odd, 1_000_500.0), Some(bare));
    }

    #[test]
    fn server_hosts_are_short() {
        assert_eq!(server_host("wss://eu-2.example:8443/ws"), "eu-2.example:8443");
        assert_eq!(server_host("ws://127.0.0.1:8081/ws"), "127.0.0.1:8081");
        assert_eq!(server_host("ws://game.example"), "game.example");
        assert_eq!(server_host("game.example/ws"), "game.example");
    }

    #[test]
    fn share_links_point_at_the_page() {
        assert_eq!(share_link("ws://127.0.0.1:8080/ws", "AB2CD"), "http://127.0.0.1:8080/?room=AB2CD");
        assert_eq!(share_link("wss://game.example/ws", "AB2CD"), "https://game.example/?room=AB2CD");
    }

    #[test]
    fn launch_name_wins_over_remembered_and_random() {
        let launch = Launch { name: Some("Zed".into()), ..Launch::default() };
        assert_eq!(initial_name(&launch), "Zed");
    }
}
