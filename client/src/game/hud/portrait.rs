//! The HUD on an upright phone: the top of a narrow screen holds the score and a three-row
//! leaderboard, the hull bar moves up under them (the bottom belongs to the thumbs, the fire
//! button and the minimap), and the room line gives way to the score.

use bevy::prelude::*;

use super::feed::RoomLine;
use super::leaderboard::{PORTRAIT_ROWS, ROWS, RowsShown};
use super::vitals::VitalsRoot;
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::layout::{Fit, Layout};

/// UI pixels from the top to the hull panel on an upright phone: under the score and a
/// three-row leaderboard.
const PORTRAIT_VITALS_TOP: f32 = 132.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, arrange.in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

/// Re-arranges the HUD when the layout changes (or the HUD was just spawned).
fn arrange(
    layout: Option<Res<Layout>>,
    mut shown: ResMut<RowsShown>,
    mut vitals: Query<Ref<VitalsRoot>, ()>,
    mut nodes: ParamSet<(Query<&mut Node, With<VitalsRoot>>, Query<&mut Node, With<RoomLine>>)>,
) {
    let portrait = layout.as_ref().is_some_and(|l| l.fit == Fit::Portrait);
    let fresh = vitals.iter_mut().any(|root| root.is_added());
    if !fresh && !layout.as_ref().is_some_and(|l| l.is_changed()) {
        return;
    }
    shown.set_if_neq(RowsShown(if portrait { PORTRAIT_ROWS } else { ROWS }));
    for mut node in &mut nodes.p0() {
        if portrait {
            node.top = px(PORTRAIT_VITALS_TOP);
            node.bottom = Val::Auto;
        } else {
            node.top = Val::Auto;
            node.bottom = px(12);
        }
    }
    for mut node in &mut nodes.p1() {
        node.display = if portrait { Display::None } else { Display::Flex };
    }
}
