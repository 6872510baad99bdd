//! The console contract: every line the client prints for people *and tests* to read. The
//! browser end-to-end test (`tests/e2e/browser.mjs`) and the native smoke test
//! (`tests/native-smoke.sh`) match these lines by their text, so **changing a line's wording here
//! breaks them**; add a variant rather than reword one. Each line starts with `driftfire: `.
//!
//! Lines go where they always went: status lines straight to the console (the browser's devtools
//! console, stdout natively), session events through Bevy's log at info level (warn for a lost
//! snapshot stream), which also reaches the browser console.

use bevy::prelude::*;
use driftfire_shared::delta::DeltaError;
use driftfire_shared::protocol::{Board, Placement, PlayerId, RoomInfo, RoomTarget, Welcome};

use crate::launch::server_host;

/// A reportable event: one line of the contract.
#[derive(Debug, Clone, Copy)]
pub enum Report<'a> {
    /// The first frame was drawn (the page's loading overlay is gone).
    FirstFrame,
    /// The number of ships in view changed. Tests wait for `ships=1` / `ships=2`.
    Ships(usize),
    /// Once a second while playing: your ship, distance flown, your bullets seen, the last input.
    Me {
        /// Your id.
        id: PlayerId,
        /// Where your ship is drawn.
        pos: Vec2,
        /// Distance flown, teleports excluded.
        travelled: f32,
        /// Your bullets seen in snapshots so far.
        bullets_seen: u64,
        /// Last input's thrust.
        thrust: bool,
        /// Last input's fire.
        fire: bool,
        /// Sequence number of the last input sent.
        inputs: u32,
    },
    /// `--exit-after-secs` ran out.
    Exiting,
    /// On exit: frames drawn, their mean wall time, and the mean CPU time of the game's own
    /// update (from the `First` schedule to `Last`, without waiting for the GPU or vsync).
    FrameTimes {
        /// Frames since start.
        frames: u64,
        /// Mean time between frames, ms.
        mean_frame_ms: f64,
        /// Mean CPU time of one update of the game's world, ms.
        mean_update_ms: f64,
    },
    /// The window changed the UI's arrangement or scale: `layout portrait 390x844 scale 0.85`
    /// (`desktop`, `portrait`, `landscape`; the window in logical pixels, CSS pixels in the
    /// browser).
    Layout {
        /// The arrangement's name.
        fit: &'a str,
        /// The window's size.
        window: Vec2,
        /// The UI's scale.
        scale: f32,
    },
    /// The browser build changed its render scale: `render scale 0.80 (frames 48.0 ms)`,
    /// or `render scale 0.80 (pinned)` when the URL set it.
    RenderScale {
        /// Fraction of the window's pixels drawn, per axis.
        scale: f32,
        /// The typical frame time that decided it (`None`: pinned).
        frame_ms: Option<f32>,
    },
    /// A touch was seen while playing: the virtual stick and fire button are on screen.
    TouchShown,
    /// The touch controls changed (at most five lines a second): the stick's last aim in whole
    /// degrees, counter-clockwise from the screen's right (`-` before the stick first aimed),
    /// whether it is pushed past its dead zone (thrust), and whether a finger is on the fire side.
    TouchStick {
        /// The stick's last aim, degrees in (-180, 180].
        aim_deg: Option<i32>,
        /// Stick pushed past the dead zone.
        thrust: bool,
        /// A finger on the fire side.
        fire: bool,
    },
    /// The title screen's room list changed (not printed while it is empty), as asked of the
    /// server `asked`: each room as [`describe_rooms`] shows it.
    RoomList {
        /// The rooms.
        rooms: &'a [RoomInfo],
        /// The socket URL the list was asked of (the server of rooms without their own).
        asked: &'a str,
    },
    /// A hall-of-fame board arrived that differs from the last one of its period:
    /// `hall of fame <period> <n> entries` (`all`, `week`, `day`), or `unavailable`.
    HallOfFame(&'a Board),
    /// Your life that just ended made a hall-of-fame board: one line per board.
    MadeBoard(Placement),
    /// Hello was answered with a redirect that the client follows: `redirected to <url> for
    /// <target>` (`room AB2CD`, `quick play`, `a new private room`, `a new public room`).
    Redirected {
        /// The other server's socket.
        url: &'a str,
        /// What the client asks it for.
        room: &'a RoomTarget,
    },
    /// Welcome: who you are, which room, and whether the session was resumed.
    Joined(&'a Welcome),
    /// A note for the player after a reconnect or an expired resume (also put in the chat).
    Note(&'a str),
    /// A chat line; `None` speaks for the server.
    Chat {
        /// Who said it.
        speaker: Option<&'a str>,
        /// What was said.
        text: &'a str,
    },
    /// The game's connection dropped and the client is trying again.
    Reconnecting {
        /// How it ended, as the player would read it.
        why: &'a str,
        /// 1 for the first retry.
        attempt: u32,
    },
    /// The session's server refused a reconnect: the next attempts go through the entrance.
    FailingOver {
        /// The entrance's game socket.
        entrance: &'a str,
    },
    /// The connection ended for good (the Disconnected screen's sentence).
    Disconnected(&'a str),
    /// A connection opened, over this transport (`webtransport` or `websocket`).
    Transport(&'a str),
    /// What the HUD shows changed (at most once a second): `hud health=<0..100> score=<n>
    /// rank=<r>/<n>`, rank `-` before the scoreboard lists you.
    Hud {
        /// Your ship's health (0 while destroyed).
        health: u8,
        /// Your score.
        score: u32,
        /// Your place on the scoreboard, if it lists you.
        rank: Option<usize>,
        /// Players on the scoreboard.
        of: usize,
    },
    /// The number of leaders the minimap marks changed: `minimap leaders=<n>`.
    Minimap {
        /// Leader markers shown.
        leaders: usize,
    },
    /// Your ship was destroyed: `death killer=<name> alive=<s> kills=<n> best=<n>`, the name as
    /// the room knows it (it may hold spaces) or `(asteroid)`; `alive` in whole seconds.
    Death {
        /// Who shot you; `None` for an asteroid.
        killer: Option<&'a str>,
        /// Seconds that life lasted.
        alive_secs: u32,
        /// Ships you destroyed in that life.
        kills: u32,
        /// Your best score this session.
        best: u32,
    },
    /// The snapshot stream stopped decoding.
    SnapshotLost {
        /// The frame's tick.
        tick: u64,
        /// What failed.
        error: &'a DeltaError,
    },
    /// The sound's mute choice (M): at start-up as remembered, and whenever it changes:
    /// `muted=<bool>`.
    Muted(bool),
    /// The first key, click or touch let sound play (browsers hold it until one):
    /// `sound unlocked`.
    SoundUnlocked,
    /// A sound started (at most one line per sound a second, see [`Throttle`]):
    /// `sound <fire|hit|explosion|thrust|kill>`.
    Sound(&'a str),
    /// There is no audio device: no sound this run: `no audio output; sound off`.
    NoAudioOutput,
    /// An effect was shown (at most one line per kind a second, see [`Throttle`]):
    /// `effect <muzzle|hit|explosion>`.
    Effect(&'a str),
    /// While you wait to respawn, the camera follows the pilot who destroyed you:
    /// `camera follows id=<n>`; back on your own ship: `camera follows you`.
    CameraFollows(Option<PlayerId>),
}

/// Where a line is printed.
enum Sink {
    /// Straight to the console, whatever the log filter.
    Console,
    /// Bevy's log at info level.
    Info,
    /// Bevy's log at warn level.
    Warn,
}

impl Report<'_> {
    fn sink(&self) -> Sink {
        match self {
            Self::FirstFrame
            | Self::Ships(_)
            | Self::Me { .. }
            | Self::Exiting
            | Self::FrameTimes { .. }
            | Self::Layout { .. }
            | Self::RenderScale { .. }
            | Self::TouchShown
            | Self::TouchStick { .. }
            | Self::RoomList { .. }
            | Self::HallOfFame(_)
            | Self::Hud { .. }
            | Self::Minimap { .. } => Sink::Console,
            Self::Redirected { .. }
            | Self::Joined(_)
            | Self::Note(_)
            | Self::Chat { .. }
            | Self::MadeBoard(_)
            | Self::Death { .. }
            | Self::Reconnecting { .. }
            | Self::FailingOver { .. }
            | Self::Disconnected(_) => Sink::Info,
            Self::SnapshotLost { .. } => Sink::Warn,
            Self::Muted(_) | Self::SoundUnlocked | Self::CameraFollows(_) | Self::Transport(_) => Sink::Console,
            Self::Sound(_) | Self::Effect(_) | Self::NoAudioOutput => Sink::Info,
        }
    }
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FirstFrame => write!(f, "driftfire: first frame"),
            Self::Ships(count) => write!(f, "driftfire: ships={count}"),
            Self::Me { id, pos, travelled, bullets_seen, thrust, fire, inputs } => write!(
                f,
                "driftfire: me id={} x={:.0} y={:.0} travelled={travelled:.0} my_bullets_seen={bullets_seen} thrust={thrust} fire={fire} inputs={inputs}",
                id.0, pos.x, pos.y
            ),
            Self::Exiting => write!(f, "driftfire: exiting (--exit-after-secs)"),
            Self::FrameTimes { frames, mean_frame_ms, mean_update_ms } => {
                write!(f, "driftfire: frames={frames} mean_frame_ms={mean_frame_ms:.2} mean_update_cpu_ms={mean_update_ms:.2}")
            }
            Self::Layout { fit, window, scale } => {
                write!(f, "driftfire: layout {fit} {:.0}x{:.0} scale {scale:.2}", window.x, window.y)
            }
            Self::RenderScale { scale, frame_ms: Some(frame_ms) } => {
                write!(f, "driftfire: render scale {scale:.2} (frames {frame_ms:.1} ms)")
            }
            Self::RenderScale { scale, frame_ms: None } => write!(f, "driftfire: render scale {scale:.2} (pinned)"),
            Self::TouchShown => write!(f, "driftfire: touch controls shown"),
            Self::TouchStick { aim_deg, thrust, fire } => {
                let aim = aim_deg.map_or_else(|| "-".to_string(), |deg| deg.to_string());
                write!(f, "driftfire: touch stick aim={aim} thrust={thrust} fire={fire}")
            }
            Self::RoomList { rooms, asked } => write!(f, "driftfire: room list: {}", describe_rooms(rooms, asked).join("; ")),
            Self::HallOfFame(board) if !board.available => write!(f, "driftfire: hall of fame {} unavailable", board.period.as_str()),
            Self::HallOfFame(board) => write!(f, "driftfire: hall of fame {} {} entries", board.period.as_str(), board.entries.len()),
            Self::MadeBoard(placement) => write!(f, "driftfire: made board {} #{}", placement.period.as_str(), placement.rank),
            Self::Redirected { url, room } => write!(f, "driftfire: redirected to {url} for {}", describe_target(room)),
            Self::Joined(welcome) => write!(
                f,
                "driftfire: joined as {} (id {}) in room {} {} ({:?}, {:?})",
                welcome.name,
                welcome.player_id.0,
                welcome.room.code,
                if welcome.room.private { "private" } else { "public" },
                welcome.resume,
                welcome.resume_token,
            ),
            Self::Note(note) => write!(f, "driftfire: {note}"),
            Self::Transport(name) => write!(f, "driftfire: transport {name}"),
            Self::Chat { speaker, text } => write!(f, "driftfire: chat {}: {text}", speaker.unwrap_or("(server)")),
            Self::Reconnecting { why, attempt } => write!(f, "driftfire: connection lost ({why}); reconnecting, attempt {attempt}"),
            Self::FailingOver { entrance } => write!(f, "driftfire: server gone; reconnecting through {entrance}"),
            Self::Disconnected(why) => write!(f, "driftfire: disconnected: {why}"),
            Self::Hud { health, score, rank, of } => match rank {
                Some(rank) => write!(f, "driftfire: hud health={health} score={score} rank={rank}/{of}"),
                None => write!(f, "driftfire: hud health={health} score={score} rank=-/{of}"),
            },
            Self::Minimap { leaders } => write!(f, "driftfire: minimap leaders={leaders}"),
            Self::Death { killer, alive_secs, kills, best } => {
                write!(f, "driftfire: death killer={} alive={alive_secs} kills={kills} best={best}", killer.unwrap_or("(asteroid)"))
            }
            Self::SnapshotLost { tick, error } => write!(f, "driftfire: undecodable snapshot at tick {tick}: {error}"),
            Self::Muted(muted) => write!(f, "driftfire: muted={muted}"),
            Self::SoundUnlocked => write!(f, "driftfire: sound unlocked"),
            Self::Sound(name) => write!(f, "driftfire: sound {name}"),
            Self::NoAudioOutput => write!(f, "driftfire: no audio output; sound off"),
            Self::Effect(name) => write!(f, "driftfire: effect {name}"),
            Self::CameraFollows(Some(id)) => write!(f, "driftfire: camera follows id={}", id.0),
            Self::CameraFollows(None) => write!(f, "driftfire: camera follows you"),
        }
    }
}

/// Prints the event's line where tests and people look.
pub fn report(event: Report) {
    let line = event.to_string();
    match event.sink() {
        Sink::Console => {
            #[cfg(target_family = "wasm")]
            web_sys::console::info_1(&line.into());
            #[cfg(not(target_family = "wasm"))]
            println!("{line}");
        }
        Sink::Info => info(line),
        Sink::Warn => warn(line),
    }
}

// The client's log: Bevy's natively; the browser's console on the web, where the bundle has no
// log subscriber (it would cost tracing-subscriber, its env filter and their regexes).

/// One function per level, each writing to Bevy's log natively and to the matching console
/// method in the browser.
macro_rules! log_levels {
    ($($(#[$doc:meta])* $name:ident => $web:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(line: impl std::fmt::Display) {
            #[cfg(target_family = "wasm")]
            web_sys::console::$web(&line.to_string().into());
            #[cfg(not(target_family = "wasm"))]
            bevy::log::$name!("{line}");
        }
    )*};
}

log_levels! {
    /// Logs `line` at info level.
    info => info_1;
    /// Logs `line` at warn level.
    warn => warn_1;
    /// Logs `line` at error level.
    error => error_1;
    /// Logs `line` at debug level (the browser shows it under "verbose").
    debug => debug_1;
}

/// In the browser, a panic's message goes to the console as an error (natively Rust prints it).
pub fn report_panics() {
    #[cfg(target_family = "wasm")]
    std::panic::set_hook(Box::new(|panic| web_sys::console::error_1(&panic.to_string().into())));
}

/// Keeps frequent lines (sounds, effects) to one per key every [`Throttle::EVERY_SECS`], so a
/// fight cannot flood the console. Each reporter keeps its own.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Throttle(Vec<(&'static str, f64)>);

impl Throttle {
    /// Seconds between two lines of one key.
    pub const EVERY_SECS: f64 = 1.0;

    /// Whether a line for `key` may be printed at `now` (seconds); if so, it counts as printed.
    pub fn allow(&mut self, key: &'static str, now: f64) -> bool {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, last)) if now - *last < Self::EVERY_SECS => false,
            Some((_, last)) => {
                *last = now;
                true
            }
            None => {
                self.0.push((key, now));
                true
            }
        }
    }
}

/// The rooms as the title screen's list shows them (and the `room list` line reports them: the
/// e2e test reads `Private <name>  2/<max>  private`), one text per room. Only when some room
/// lives on another server than `asked` (the one the list came from) does each say which
/// server it is on, by host: `Vega   3/50   public   on eu-2.example`.
pub fn describe_rooms(rooms: &[RoomInfo], asked: &str) -> Vec<String> {
    let fleet = rooms.iter().any(|room| room.server.is_some());
    rooms
        .iter()
        .map(|room| {
            let kind = if room.private { "private | needs its link" } else { "public" };
            let line = format!("{}   {}/{}   {kind}", room.name, room.players, room.max_players);
            if fleet { format!("{line}   on {}", server_host(room.server.as_deref().unwrap_or(asked))) } else { line }
        })
        .collect()
}

/// A room target as the console names it.
pub fn describe_target(target: &RoomTarget) -> String {
    match target {
        RoomTarget::QuickPlay => "quick play".into(),
        RoomTarget::QuickPlayHere => "quick play on that server".into(),
        RoomTarget::Code(code) => format!("room {code}"),
        RoomTarget::Create { private: false, .. } => "a new public room".into(),
        RoomTarget::Create { private: true, ai_pilots: false } => "a new private room".into(),
        RoomTarget::Create { private: true, ai_pilots: true } => "a new private room with AI pilots".into(),
    }
}

#[cfg(test)]
mod tests {
    use driftfire_shared::protocol::{Period, ResumeOutcome, ResumeToken, RoomWelcome};

    use super::*;

    /// The lines exactly as the e2e and smoke tests match them.
    #[test]
    fn lines_keep_their_wording() {
        let welcome = Welcome {
            player_id: PlayerId(7),
            name: "e2e-b".into(),
            tick_hz: 30,
            tick: 1,
            arena: Vec2::splat(1000.0),
            players: Vec::new(),
            room: RoomWelcome { name: "Private AB2CD".into(), code: "AB2CD".into(), private: true, max_players: 8 },
            resume_token: ResumeToken([0xab; 16]),
            resume: ResumeOutcome::Resumed,
        };
        assert_eq!(
            Report::Joined(&welcome).to_string(),
            "driftfire: joined as e2e-b (id 7) in room AB2CD private (Resumed, ResumeToken(abab…))"
        );
        assert_eq!(Report::Ships(2).to_string(), "driftfire: ships=2");
        assert_eq!(Report::FirstFrame.to_string(), "driftfire: first frame");
        let me = Report::Me {
            id: PlayerId(7),
            pos: Vec2::new(-12.4, 3.6),
            travelled: 150.2,
            bullets_seen: 3,
            thrust: true,
            fire: true,
            inputs: 42,
        };
        assert_eq!(me.to_string(), "driftfire: me id=7 x=-12 y=4 travelled=150 my_bullets_seen=3 thrust=true fire=true inputs=42");
        assert_eq!(Report::Chat { speaker: Some("e2e-a"), text: "hello from a" }.to_string(), "driftfire: chat e2e-a: hello from a");
        assert_eq!(Report::Chat { speaker: None, text: "e2e-b is back" }.to_string(), "driftfire: chat (server): e2e-b is back");
        assert_eq!(
            Report::Reconnecting { why: "Connection lost.", attempt: 1 }.to_string(),
            "driftfire: connection lost (Connection lost.); reconnecting, attempt 1"
        );
        assert_eq!(Report::Disconnected("Connection lost.").to_string(), "driftfire: disconnected: Connection lost.");
        assert_eq!(
            Report::FailingOver { entrance: "ws://a.example/ws" }.to_string(),
            "driftfire: server gone; reconnecting through ws://a.example/ws"
        );
        let mut rooms =
            vec![RoomInfo { name: "Private AB2CD".into(), code: None, players: 2, max_players: 8, private: true, server: None }];
        let asked = "ws://127.0.0.1:8080/ws";
        assert_eq!(
            Report::RoomList { rooms: &rooms, asked }.to_string(),
            "driftfire: room list: Private AB2CD   2/8   private | needs its link"
        );
        // Rooms on several servers: each says where it is.
        rooms.push(RoomInfo {
            name: "Vega".into(),
            code: Some("EF3GH".into()),
            players: 3,
            max_players: 50,
            private: false,
            server: Some("wss://eu-2.example/ws".into()),
        });
        assert_eq!(
            Report::RoomList { rooms: &rooms, asked }.to_string(),
            "driftfire: room list: Private AB2CD   2/8   private | needs its link   on 127.0.0.1:8080; Vega   3/50   public   on eu-2.example"
        );
        assert_eq!(
            Report::Redirected { url: "ws://127.0.0.1:8081/ws", room: &RoomTarget::Code("AB2CD".into()) }.to_string(),
            "driftfire: redirected to ws://127.0.0.1:8081/ws for room AB2CD"
        );
        assert_eq!(
            Report::Redirected { url: "wss://b.example/ws", room: &RoomTarget::Create { private: false, ai_pilots: false } }.to_string(),
            "driftfire: redirected to wss://b.example/ws for a new public room"
        );
        assert_eq!(Report::Exiting.to_string(), "driftfire: exiting (--exit-after-secs)");
        assert_eq!(
            Report::Layout { fit: "portrait", window: Vec2::new(390.0, 844.0), scale: 0.8466 }.to_string(),
            "driftfire: layout portrait 390x844 scale 0.85"
        );
        assert_eq!(Report::RenderScale { scale: 0.8, frame_ms: Some(48.04) }.to_string(), "driftfire: render scale 0.80 (frames 48.0 ms)");
        assert_eq!(Report::RenderScale { scale: 0.65, frame_ms: None }.to_string(), "driftfire: render scale 0.65 (pinned)");
        assert_eq!(Report::TouchShown.to_string(), "driftfire: touch controls shown");
        assert_eq!(
            Report::TouchStick { aim_deg: Some(-45), thrust: true, fire: false }.to_string(),
            "driftfire: touch stick aim=-45 thrust=true fire=false"
        );
        assert_eq!(
            Report::TouchStick { aim_deg: None, thrust: false, fire: true }.to_string(),
            "driftfire: touch stick aim=- thrust=false fire=true"
        );
        let board = Board { period: Period::Week, entries: Vec::new(), available: true };
        assert_eq!(Report::HallOfFame(&board).to_string(), "driftfire: hall of fame week 0 entries");
        let off = Board { period: Period::AllTime, entries: Vec::new(), available: false };
        assert_eq!(Report::HallOfFame(&off).to_string(), "driftfire: hall of fame all unavailable");
        assert_eq!(Report::MadeBoard(Placement { period: Period::Day, rank: 3 }).to_string(), "driftfire: made board day #3");
        assert_eq!(
            Report::Hud { health: 75, score: 120, rank: Some(3), of: 12 }.to_string(),
            "driftfire: hud health=75 score=120 rank=3/12"
        );
        assert_eq!(Report::Hud { health: 100, score: 0, rank: None, of: 0 }.to_string(), "driftfire: hud health=100 score=0 rank=-/0");
        assert_eq!(Report::Minimap { leaders: 5 }.to_string(), "driftfire: minimap leaders=5");
        assert_eq!(
            Report::Death { killer: Some("e2e-a"), alive_secs: 42, kills: 2, best: 300 }.to_string(),
            "driftfire: death killer=e2e-a alive=42 kills=2 best=300"
        );
        assert_eq!(
            Report::Death { killer: None, alive_secs: 0, kills: 0, best: 0 }.to_string(),
            "driftfire: death killer=(asteroid) alive=0 kills=0 best=0"
        );
    }

    /// The sound, effect and camera lines, as the headless and browser tests match them.
    #[test]
    fn feel_lines_keep_their_wording() {
        assert_eq!(Report::Muted(true).to_string(), "driftfire: muted=true");
        assert_eq!(Report::Muted(false).to_string(), "driftfire: muted=false");
        assert_eq!(Report::SoundUnlocked.to_string(), "driftfire: sound unlocked");
        assert_eq!(Report::Sound("fire").to_string(), "driftfire: sound fire");
        assert_eq!(Report::NoAudioOutput.to_string(), "driftfire: no audio output; sound off");
        assert_eq!(Report::Effect("explosion").to_string(), "driftfire: effect explosion");
        assert_eq!(Report::CameraFollows(Some(PlayerId(8))).to_string(), "driftfire: camera follows id=8");
        assert_eq!(Report::CameraFollows(None).to_string(), "driftfire: camera follows you");
    }

    #[test]
    fn throttled_lines_come_once_a_second_per_key() {
        let mut throttle = Throttle::default();
        assert!(throttle.allow("fire", 10.0));
        assert!(!throttle.allow("fire", 10.5));
        assert!(throttle.allow("hit", 10.5), "keys are separate");
        assert!(throttle.allow("fire", 11.0));
    }
}
