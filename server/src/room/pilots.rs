//! Server-side AI pilots: a public room with at least one human keeps `min_ships` ships in
//! play by adding pilots that fly inside the room's tick, with no socket. They use the bots'
//! brain on a view of the world built once per tick, and their controls pass the same
//! validation as a player's. They leave as humans arrive (never holding a human's seat: seats
//! count humans only), are marked `ai` in `PlayerInfo`, and never enter the hall of fame.

use std::sync::atomic::Ordering;

use bevy_ecs::prelude::*;
use driftfire_shared::input::ValidInput;
use driftfire_shared::protocol::{PlayerInfo, ServerMsg};
use driftfire_shared::sim::{self, Asteroid, Heading, NetEntity, Position, Ship, ShipControl, SimConfig, SimTick, Velocity};
use driftfire_shared::snapshot::{AsteroidState, ShipState, Snapshot};

use super::Room;
use crate::pilot::Brain;

/// Names AI pilots take in turn (made unique in the room like anyone's).
const PILOT_NAMES: [&str; 12] =
    ["Nova", "Rigel", "Sirius", "Altair", "Deneb", "Mira", "Antares", "Castor", "Pollux", "Izar", "Hadar", "Talitha"];

/// An AI pilot flying one ship of the room.
pub(super) struct AiPilot {
    /// Its display name.
    pub(super) name: String,
    /// Its ship.
    pub(super) ship: Entity,
    brain: Brain,
}

impl Room {
    /// How many AI pilots the room wants now: enough to make `min_ships` with the humans, and
    /// none once the last human has left (an empty room idles and closes).
    fn wanted_pilots(&self) -> usize {
        let humans = self.members.len();
        if humans == 0 { 0 } else { self.min_ships.saturating_sub(humans) }
    }

    /// Adds or removes pilots toward [`wanted_pilots`](Self::wanted_pilots), then lets every
    /// pilot choose its controls for this tick.
    pub(super) fn fly_pilots(&mut self) {
        let wanted = self.wanted_pilots();
        while self.pilots.len() < wanted {
            self.add_pilot();
        }
        // Leave one at a time (a second apart), dead ones first, so a joining crowd does not
        // empty the arena in one tick.
        let tick = self.world.resource::<SimTick>().0;
        if self.pilots.len() > wanted && tick.is_multiple_of(u64::from(self.tick_hz)) {
            self.remove_one_pilot();
        }
        self.shared.ai_pilots.store(self.pilots.len(), Ordering::Relaxed);
        if self.pilots.is_empty() {
            return;
        }
        let view = self.pilot_view(tick);
        let cfg = self.world.resource::<SimConfig>().clone();
        for pilot in self.pilots.values_mut() {
            let frame = pilot.brain.decide(&cfg, Some(&view));
            // The same check as a player's input (the brain never fails it, but nothing
            // unchecked reaches the simulation).
            let Ok(input) = ValidInput::try_from_frame(&frame) else { continue };
            if let Some(mut control) = self.world.get_mut::<ShipControl>(pilot.ship) {
                control.0 = input;
            }
        }
    }

    fn add_pilot(&mut self) {
        let id = self.services.new_player_id();
        let base = PILOT_NAMES[self.pilots_added % PILOT_NAMES.len()];
        self.pilots_added += 1;
        let name = self.unique_name(base.to_string());
        let ship = sim::spawn_ship(&mut self.world, id);
        let seed = u64::from(id.0).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self.shared.id.0 as u64;
        self.pilots.insert(id, AiPilot { name: name.clone(), ship, brain: Brain::new(id, seed) });
        self.broadcast(&ServerMsg::PlayerJoined(PlayerInfo { id, name, ai: true }));
        tracing::debug!(room = %self.shared.id, pilot = id.0, "AI pilot joined");
    }

    fn remove_one_pilot(&mut self) {
        let alive = |room: &Room, ship: Entity| room.world.get::<Ship>(ship).is_some_and(Ship::is_alive);
        let leaving = self.pilots.iter().find(|(_, p)| !alive(self, p.ship)).or_else(|| self.pilots.iter().next()).map(|(id, _)| *id);
        let Some(id) = leaving else { return };
        if let Some(pilot) = self.pilots.remove(&id) {
            self.world.despawn(pilot.ship);
            self.broadcast(&ServerMsg::PlayerLeft { id });
            tracing::debug!(room = %self.shared.id, pilot = id.0, "AI pilot left");
        }
    }

    /// What the pilots see: every ship and asteroid of the room (their brain only engages
    /// within about a screen, as a player could).
    fn pilot_view(&mut self, tick: u64) -> Snapshot {
        let mut view = Snapshot { tick, last_input_seq: 0, body: Default::default() };
        let mut ships = self.world.query::<(&NetEntity, &Ship, &Position, &Velocity, &Heading)>();
        view.body.ships.extend(ships.iter(&self.world).map(|(net, ship, pos, vel, heading)| ShipState {
            id: net.0,
            owner: ship.owner,
            pos: pos.0,
            vel: vel.0,
            angle: heading.0,
            health: ship.health,
            thrusting: ship.thrusting,
            shielded: ship.shield_ticks > 0,
            respawn_in: ship.respawn_in,
        }));
        let mut rocks = self.world.query::<(&NetEntity, &Asteroid, &Position, &Velocity)>();
        view.body.asteroids.extend(rocks.iter(&self.world).map(|(net, rock, pos, vel)| AsteroidState {
            id: net.0,
            size: rock.size,
            pos: pos.0,
            vel: vel.0,
        }));
        view
    }

    /// Everyone in the room as Welcome lists them: players, then AI pilots.
    pub(super) fn everyone(&self) -> Vec<PlayerInfo> {
        let humans = self.members.iter().map(|(id, m)| PlayerInfo { id: *id, name: m.name.clone(), ai: false });
        let pilots = self.pilots.iter().map(|(id, p)| PlayerInfo { id: *id, name: p.name.clone(), ai: true });
        humans.chain(pilots).collect()
    }
}
