//! Who is in a room: joining, leaving, dropping out and resuming. A dropped player's ship
//! waits shielded and idle for the resume window; a resume swaps in the new connection.

use driftfire_shared::delta::DeltaEncoder;
use driftfire_shared::input::{ValidInput, name_skeleton};
use driftfire_shared::protocol::{PlayerId, PlayerInfo, RoomWelcome, ServerMsg, Welcome};
use driftfire_shared::sim::{self, Score, Ship, ShipControl, SimConfig, SimTick};

use super::inputs::InputQueue;
use super::{AttachId, Attachment, Member, Room, Tally};

/// A member's snapshot encoder: deltas against the previous frame on a WebSocket, against the
/// newest acknowledged frame over datagrams.
fn new_encoder(tick_hz: u16, datagrams: bool) -> DeltaEncoder {
    if datagrams { DeltaEncoder::acked(tick_hz) } else { DeltaEncoder::new(tick_hz) }
}

impl Room {
    pub(super) fn join(&mut self, player: PlayerId, requested: String, attachment: Attachment, restored: Option<Tally>) {
        let name = self.unique_name(requested);
        let ship = sim::spawn_ship(&mut self.world, player);
        // A fresh ship (spawn shield and all) with the standing a crashed server recorded.
        if let Some(tally) = restored
            && let Some(mut score) = self.world.get_mut::<Score>(ship)
        {
            *score = tally.into();
        }
        let info = PlayerInfo { id: player, name: name.clone(), ai: false };
        self.broadcast(&ServerMsg::PlayerJoined(info));
        let member = Member {
            name: name.clone(),
            token: attachment.token,
            ship,
            outbound: attachment.outbound.clone(),
            attach: attachment.attach,
            detached_at: None,
            inputs: InputQueue::default(),
            encoder: new_encoder(self.tick_hz, attachment.datagrams),
            life_started: self.world.resource::<SimTick>().0,
        };
        self.members.insert(player, member);
        self.welcome(player, &attachment);
        tracing::debug!(room = %self.shared.id, player = player.0, %name, "player joined");
    }

    /// Puts a returning player's new connection in place of the dropped one. Their next
    /// snapshot is full (the new client holds nothing yet).
    pub(super) fn resume(&mut self, player: PlayerId, attachment: Attachment) -> bool {
        let spawn_shield = self.world.resource::<SimConfig>().spawn_shield_ticks;
        let Some(member) = self.members.get_mut(&player) else { return false };
        member.token = attachment.token;
        member.outbound = attachment.outbound.clone();
        member.attach = attachment.attach;
        member.detached_at = None;
        member.inputs.restart();
        // A fresh encoder: the first frame is full, in the new connection's mode.
        member.encoder = new_encoder(self.tick_hz, attachment.datagrams);
        // A moment of protection to get your bearings, as after a respawn.
        if let Some(mut ship) = self.world.get_mut::<Ship>(member.ship) {
            ship.shield_ticks = spawn_shield;
        }
        let text = format!("{} is back", member.name);
        self.welcome(player, &attachment);
        self.broadcast(&ServerMsg::Chat { from: None, text });
        tracing::debug!(room = %self.shared.id, player = player.0, "player resumed");
        true
    }

    pub(super) fn welcome(&mut self, player: PlayerId, attachment: &Attachment) {
        let Some(member) = self.members.get(&player) else { return };
        let welcome = ServerMsg::Welcome(Welcome {
            player_id: player,
            name: member.name.clone(),
            tick_hz: self.tick_hz,
            tick: self.world.resource::<SimTick>().0,
            arena: self.world.resource::<SimConfig>().arena,
            players: self.everyone(),
            room: RoomWelcome {
                name: self.shared.name.clone(),
                code: self.shared.code.clone(),
                private: self.shared.private,
                max_players: u16::try_from(self.max_players).unwrap_or(u16::MAX),
            },
            resume_token: attachment.token,
            resume: attachment.resume,
        });
        self.send_to(player, &welcome);
    }

    /// A dropped player's ship idles under a shield until they resume or the window passes.
    pub(super) fn detach(&mut self, player: PlayerId, attach: AttachId) {
        let tick = self.world.resource::<SimTick>().0;
        let Some(member) = self.members.get_mut(&player).filter(|m| m.attach == attach && m.detached_at.is_none()) else { return };
        member.detached_at = Some(tick);
        member.inputs.clear();
        let text = format!("{} lost connection", member.name);
        if let Some(mut control) = self.world.get_mut::<ShipControl>(member.ship) {
            control.0 = ValidInput::default();
        }
        self.broadcast(&ServerMsg::Chat { from: None, text });
        tracing::debug!(room = %self.shared.id, player = player.0, "player dropped; waiting for resume");
    }

    /// Keeps dropped players' ships shielded, and removes those whose window has passed.
    pub(super) fn tend_detached(&mut self) {
        let tick = self.world.resource::<SimTick>().0;
        let spawn_shield = self.world.resource::<SimConfig>().spawn_shield_ticks;
        let mut expired = Vec::new();
        for (id, member) in &self.members {
            let Some(since) = member.detached_at else { continue };
            if tick.saturating_sub(since) > self.resume_window_ticks {
                expired.push(*id);
            } else if let Some(mut ship) = self.world.get_mut::<Ship>(member.ship) {
                ship.shield_ticks = ship.shield_ticks.max(spawn_shield);
            }
        }
        for id in expired {
            tracing::debug!(room = %self.shared.id, player = id.0, "resume window passed");
            self.remove(id);
        }
    }

    /// `name`, or `name` with the lowest free `#2`, `#3`… suffix if someone has it already or
    /// one that looks the same (the same TR39 confusable skeleton).
    pub(super) fn unique_name(&self, name: String) -> String {
        let names = self.members.values().map(|m| &m.name).chain(self.pilots.values().map(|p| &p.name));
        let skeletons: Vec<String> = names.map(|name| name_skeleton(name)).collect();
        let taken = |candidate: &str| skeletons.contains(&name_skeleton(candidate));
        if !taken(&name) {
            return name;
        }
        (2..).map(|n| format!("{name}#{n}")).find(|c| !taken(c)).expect("some suffix is free")
    }

    pub(super) fn remove(&mut self, player: PlayerId) {
        self.end_life(player, false);
        let Some(member) = self.members.remove(&player) else { return };
        self.world.despawn(member.ship);
        self.shared.release();
        self.broadcast(&ServerMsg::PlayerLeft { id: player });
        tracing::debug!(room = %self.shared.id, player = player.0, "player left");
    }
}
