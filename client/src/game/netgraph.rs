//! The net graph (F3): frame rate, round trip, jitter, snapshot rate, bytes per second each
//! way, interpolation delay, prediction corrections, and a bar per recent snapshot showing how
//! late it came, for players who wonder why the game feels off and developers who tune the
//! netcode. The only place ping and FPS are shown: the HUD keeps to the game.

use bevy::diagnostic::{DiagnosticsStore, FrameTimeDiagnosticsPlugin};
use bevy::prelude::*;

use super::clock::MAX_DELAY_TICKS;
use super::predict::Prediction;
use super::sync::ServerClock;
use crate::net::Connection;
use crate::session::roster::RoundTrip;
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;

/// Bars in the lateness graph: the clock's whole window (3 s at 30 Hz).
const BARS: usize = 90;
/// Pixel height of the graph; a bar this tall is as late as the largest interpolation delay.
const GRAPH_HEIGHT: f32 = 48.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<NetGraph>();
    app.add_systems(OnEnter(Screen::Playing), spawn_graph);
    app.add_systems(Update, (toggle, measure, draw).chain().in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

/// Whether the graph is shown and the per-second rates it shows.
#[derive(Resource, Debug, Default)]
pub struct NetGraph {
    /// Shown (F3 toggles).
    pub visible: bool,
    window_start: f64,
    down_at_start: u64,
    up_at_start: u64,
    corrections_at_start: u64,
    down_per_s: f64,
    up_per_s: f64,
    corrections_per_s: f64,
}

#[derive(Component)]
struct GraphRoot;
#[derive(Component)]
struct GraphText;
#[derive(Component)]
struct Bar(usize);

fn spawn_graph(mut commands: Commands, graph: Res<NetGraph>) {
    let visibility = if graph.visible { Visibility::Inherited } else { Visibility::Hidden };
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                left: px(12),
                // Under the room line.
                top: px(52),
                padding: UiRect::all(px(8)),
                flex_direction: FlexDirection::Column,
                row_gap: px(6),
                border_radius: BorderRadius::all(px(6)),
                ..default()
            },
            BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.7)),
            visibility,
            GraphRoot,
            DespawnOnExit(Screen::Playing),
        ))
        .with_children(|root| {
            root.spawn((Text::new(""), TextFont::from_font_size(13.0), TextColor(Color::srgb(0.7, 1.0, 0.7)), GraphText));
            root.spawn(Node { height: px(GRAPH_HEIGHT), align_items: AlignItems::FlexEnd, column_gap: px(1), ..default() }).with_children(
                |bars| {
                    for i in 0..BARS {
                        bars.spawn((
                            Node { width: px(2), height: px(0), ..default() },
                            BackgroundColor(Color::srgb(0.3, 0.9, 0.4)),
                            Bar(i),
                        ));
                    }
                },
            );
        });
}

fn toggle(keys: Res<ButtonInput<KeyCode>>, mut graph: ResMut<NetGraph>, mut root: Query<&mut Visibility, With<GraphRoot>>) {
    if !keys.just_pressed(KeyCode::F3) {
        return;
    }
    graph.visible = !graph.visible;
    for mut visibility in &mut root {
        *visibility = if graph.visible { Visibility::Inherited } else { Visibility::Hidden };
    }
}

/// Turns the running byte and correction counters into per-second rates, once a second.
fn measure(time: Res<Time<Real>>, connection: Option<Res<Connection>>, prediction: Res<Prediction>, mut graph: ResMut<NetGraph>) {
    let now = time.elapsed_secs_f64();
    let (down, up) = connection.map_or((0, 0), |c| {
        (c.traffic.down_bytes.load(std::sync::atomic::Ordering::Relaxed), c.traffic.up_bytes.load(std::sync::atomic::Ordering::Relaxed))
    });
    let span = now - graph.window_start;
    if span < 1.0 {
        return;
    }
    graph.down_per_s = down.saturating_sub(graph.down_at_start) as f64 / span;
    graph.up_per_s = up.saturating_sub(graph.up_at_start) as f64 / span;
    graph.corrections_per_s = prediction.corrections.saturating_sub(graph.corrections_at_start) as f64 / span;
    graph.window_start = now;
    graph.down_at_start = down;
    graph.up_at_start = up;
    graph.corrections_at_start = prediction.corrections;
}

fn draw(
    time: Res<Time<Real>>,
    diagnostics: Option<Res<DiagnosticsStore>>,
    graph: Res<NetGraph>,
    round_trip: Res<RoundTrip>,
    clock: Res<ServerClock>,
    prediction: Res<Prediction>,
    connection: Option<Res<Connection>>,
    stream: Res<super::snapshots::SnapshotStream>,
    mut text: Query<&mut Text, With<GraphText>>,
    mut bars: Query<(&Bar, &mut Node, &mut BackgroundColor)>,
) {
    if !graph.visible {
        return;
    }
    let Some(clock) = clock.0.as_ref() else { return };
    let now = time.elapsed_secs_f64();
    let rtt = round_trip.rtt_ms.map_or("-".into(), |ms| format!("{ms:.0} ms"));
    let fps = diagnostics
        .as_ref()
        .and_then(|store| store.get(&FrameTimeDiagnosticsPlugin::FPS))
        .and_then(|fps| fps.smoothed())
        .map_or("-".into(), |fps| format!("{fps:.0}"));
    let transport = connection.map_or_else(String::new, |c| c.transport());
    let shown = format!(
        "NET (F3)   fps {fps}\n{transport}   snapshots lost {:.1} %\nping {rtt}   jitter {:.1} ms\nsnapshots {}/s   interp delay {:.0} ms\ndown {:.1} KB/s   up {:.2} KB/s\ncorrections {:.1}/s   last {:.1} u   pending {}",
        stream.lost_percent(),
        clock.jitter_ms(),
        clock.rate_at(now),
        clock.delay_ms(),
        graph.down_per_s / 1024.0,
        graph.up_per_s / 1024.0,
        graph.corrections_per_s,
        prediction.last_correction,
        prediction.pending_len(),
    );
    for mut text in &mut text {
        if text.0 != shown {
            text.0 = shown.clone();
        }
    }
    let lateness = clock.lateness_ms_history();
    let delay_ms = clock.delay_ms();
    let full_scale_ms = clock.delay_ms() / clock.delay_ticks() * MAX_DELAY_TICKS;
    let skip = BARS.saturating_sub(lateness.len());
    for (bar, mut node, mut color) in &mut bars {
        let late = bar.0.checked_sub(skip).and_then(|i| lateness.get(i)).copied().unwrap_or(0.0);
        node.height = px((late / full_scale_ms).min(1.0) as f32 * GRAPH_HEIGHT + 1.0);
        // Green: well inside the delay; yellow: close to it; red: arrived too late to interpolate.
        let tick_ms = delay_ms / clock.delay_ticks();
        color.0 = if late + tick_ms > delay_ms {
            Color::srgb(1.0, 0.3, 0.3)
        } else if late + tick_ms > delay_ms * 0.8 {
            Color::srgb(1.0, 0.85, 0.3)
        } else {
            Color::srgb(0.3, 0.9, 0.4)
        };
    }
}
