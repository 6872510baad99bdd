//! Whole-world tests: determinism over long runs and the game rules working together.

use bevy_math::Vec2;

use super::*;
use crate::delta::{Budget, DeltaEncoder};
use crate::input::ValidInput;
use crate::protocol::PlayerId;
use crate::snapshot::read_world;

/// Everything observable about a world at one moment, bit for bit.
fn fingerprint(world: &mut World) -> (Vec<u8>, Vec<(PlayerId, Score)>, SimRng) {
    let tick = world.resource::<SimTick>().0;
    let mut entities = Vec::new();
    read_world(world, &mut entities);
    let (mut bytes, _) = DeltaEncoder::new(30).encode(&entities, &Budget::UNLIMITED);
    bytes.extend(tick.to_le_bytes());
    let mut scores: Vec<(PlayerId, Score)> = world.query::<(&Ship, &Score)>().iter(world).map(|(s, sc)| (s.owner, *sc)).collect();
    scores.sort_by_key(|(id, _)| *id);
    (bytes, scores, world.resource::<SimRng>().clone())
}

/// Deterministic pseudo-player: aims at random, thrusts in bursts, fires often.
// The aim range is part of a fixed input script, not an approximation of π.
#[allow(clippy::approx_constant)]
fn scripted_input(tick: u64, player: u32, variant: u32) -> ValidInput {
    let mut rng = SimRng::new(tick.wrapping_mul(31).wrapping_add(u64::from(player * 7 + variant)));
    ValidInput {
        aim: rng.range(-3.14, 3.14),
        thrust: !(tick / 20 + u64::from(player)).is_multiple_of(3),
        fire: rng.unit() < 0.6,
        rewind_ticks: (tick % 7) as u8,
    }
}

struct Run {
    fingerprints: Vec<(Vec<u8>, Vec<(PlayerId, Score)>, SimRng)>,
    kills: usize,
    asteroids_broken: usize,
    max_bullets: usize,
}

fn run(seed: u64, ticks: u64, variant: u32) -> Run {
    let mut world = new_world(SimConfig::default(), seed);
    seed_asteroids(&mut world);
    let mut schedule = build_schedule();
    let mut ships: Vec<(u32, Entity)> = (1..=6).map(|p| (p, spawn_ship(&mut world, PlayerId(p)))).collect();
    let mut out = Run { fingerprints: Vec::new(), kills: 0, asteroids_broken: 0, max_bullets: 0 };
    for tick in 0..ticks {
        // Joins and leaves mid-game are part of the input sequence too.
        if tick == 300 {
            ships.push((7, spawn_ship(&mut world, PlayerId(7))));
        }
        if tick == 600 {
            let (_, entity) = ships.remove(0);
            world.despawn(entity);
        }
        for &(player, entity) in &ships {
            world.get_mut::<ShipControl>(entity).unwrap().0 = scripted_input(tick, player, variant);
        }
        schedule.run(&mut world);
        for event in &world.resource::<SimEvents>().0 {
            match event {
                SimEvent::ShipDestroyed { .. } => out.kills += 1,
                SimEvent::AsteroidDestroyed { .. } => out.asteroids_broken += 1,
            }
        }
        out.max_bullets = out.max_bullets.max(world.query::<&Bullet>().iter(&world).count());
        out.fingerprints.push(fingerprint(&mut world));
    }
    out
}

#[test]
fn same_inputs_give_bit_identical_worlds_for_1000_ticks() {
    let a = run(42, 1000, 0);
    let b = run(42, 1000, 0);
    assert_eq!(a.fingerprints.len(), 1000);
    for (tick, (fa, fb)) in a.fingerprints.iter().zip(&b.fingerprints).enumerate() {
        assert!(fa == fb, "worlds diverged at tick {tick}");
    }
    // The run exercised the rules, so the comparison means something.
    assert!(a.kills > 0, "no ship was destroyed in 1000 ticks");
    assert!(a.asteroids_broken > 0 && a.max_bullets > 0);

    // And the comparison is sensitive: different inputs diverge.
    let c = run(42, 1000, 1);
    assert_ne!(a.fingerprints.last(), c.fingerprints.last());
}

fn duel() -> (World, Schedule, Entity, Entity) {
    let cfg = SimConfig { asteroid_target_mass: 0, ..SimConfig::default() };
    let mut world = new_world(cfg, 1);
    let schedule = build_schedule();
    let shooter = spawn_ship(&mut world, PlayerId(1));
    let target = spawn_ship(&mut world, PlayerId(2));
    world.get_mut::<Position>(shooter).unwrap().0 = Vec2::new(0.0, 0.0);
    world.get_mut::<Heading>(shooter).unwrap().0 = 0.0;
    world.get_mut::<Position>(target).unwrap().0 = Vec2::new(300.0, 0.0);
    for e in [shooter, target] {
        world.get_mut::<Ship>(e).unwrap().shield_ticks = 0;
    }
    (world, schedule, shooter, target)
}

#[test]
fn four_hits_destroy_a_ship_credit_the_killer_and_respawn_later() {
    let (mut world, mut schedule, shooter, target) = duel();
    world.get_mut::<ShipControl>(shooter).unwrap().0 = ValidInput { aim: 0.0, thrust: false, fire: true, rewind_ticks: 0 };
    let cfg = world.resource::<SimConfig>().clone();
    let mut destroyed_at = None;
    for tick in 0..120 {
        schedule.run(&mut world);
        // Keep the target still where the shots go.
        world.get_mut::<Position>(target).unwrap().0 = Vec2::new(300.0, 0.0);
        let events = world.resource::<SimEvents>().0.clone();
        if events.contains(&SimEvent::ShipDestroyed { killer: Some(PlayerId(1)), victim: PlayerId(2) }) {
            destroyed_at = Some(tick);
            break;
        }
    }
    let destroyed_at = destroyed_at.expect("target never destroyed");
    // 4 shots at 5/s: the 4th leaves at tick 3 * cooldown and needs ~9 ticks to fly 300 units.
    assert!(destroyed_at >= 3 * cfg.fire_cooldown_ticks as usize, "too fast: {destroyed_at}");
    assert_eq!(*world.get::<Score>(shooter).unwrap(), Score { score: cfg.score_per_kill, kills: 1, deaths: 0 });
    assert_eq!(world.get::<Score>(target).unwrap().deaths, 1);
    assert!(!world.get::<Ship>(target).unwrap().is_alive());

    world.get_mut::<ShipControl>(shooter).unwrap().0.fire = false;
    for _ in 0..cfg.respawn_ticks - 1 {
        schedule.run(&mut world);
        assert!(!world.get::<Ship>(target).unwrap().is_alive());
    }
    schedule.run(&mut world);
    let ship = world.get::<Ship>(target).unwrap();
    assert!(ship.is_alive() && ship.health == cfg.ship_max_health && ship.shield_ticks > 0);
}

#[test]
fn shielded_ships_take_no_damage_and_bullets_expire() {
    let (mut world, mut schedule, shooter, target) = duel();
    world.get_mut::<Ship>(target).unwrap().shield_ticks = 1000;
    world.get_mut::<ShipControl>(shooter).unwrap().0 = ValidInput { aim: 0.0, thrust: false, fire: true, rewind_ticks: 0 };
    for _ in 0..60 {
        schedule.run(&mut world);
        world.get_mut::<Position>(target).unwrap().0 = Vec2::new(300.0, 0.0);
    }
    assert_eq!(world.get::<Ship>(target).unwrap().health, 100);
    world.get_mut::<ShipControl>(shooter).unwrap().0.fire = false;
    let life = world.resource::<SimConfig>().bullet_life_ticks;
    for _ in 0..life {
        schedule.run(&mut world);
    }
    assert_eq!(world.query::<&Bullet>().iter(&world).count(), 0);
}

#[test]
fn a_shot_asteroid_splits_into_two_smaller_ones() {
    let (mut world, mut schedule, shooter, target) = duel();
    world.despawn(target);
    let mut ids = *world.resource::<NetIdAllocator>();
    let cfg = world.resource::<SimConfig>().clone();
    let mut commands_world_queue = bevy_ecs::world::CommandQueue::default();
    {
        let mut commands = Commands::new(&mut commands_world_queue, &world);
        asteroids::spawn_asteroid(&mut commands, &cfg, &mut ids, 3, Vec2::new(250.0, 0.0), Vec2::ZERO);
    }
    commands_world_queue.apply(&mut world);
    *world.resource_mut::<NetIdAllocator>() = ids;
    world.get_mut::<ShipControl>(shooter).unwrap().0 = ValidInput { aim: 0.0, thrust: false, fire: true, rewind_ticks: 0 };
    schedule.run(&mut world);
    world.get_mut::<ShipControl>(shooter).unwrap().0.fire = false;
    let mut broke = false;
    for _ in 0..30 {
        schedule.run(&mut world);
        broke |= world.resource::<SimEvents>().0.iter().any(|e| matches!(e, SimEvent::AsteroidDestroyed { size: 3, .. }));
    }
    assert!(broke);
    let mut sizes: Vec<u8> = world.query::<&Asteroid>().iter(&world).map(|a| a.size).collect();
    sizes.sort();
    assert_eq!(sizes, vec![2, 2]);
    assert_eq!(world.get::<Score>(shooter).unwrap().score, cfg.score_per_asteroid);
}

#[test]
fn the_field_refills_and_everything_stays_in_the_arena() {
    let mut world = new_world(SimConfig::default(), 9);
    seed_asteroids(&mut world);
    let mut schedule = build_schedule();
    for _ in 0..300 {
        schedule.run(&mut world);
    }
    let cfg = world.resource::<SimConfig>().clone();
    let count = world.query::<&Asteroid>().iter(&world).count();
    assert_eq!(count, cfg.asteroid_target_mass as usize);
    for pos in world.query::<&Position>().iter(&world) {
        assert!(pos.0.abs().cmple(cfg.half_arena()).all(), "{:?} outside", pos.0);
    }
}

#[test]
fn bullets_hit_ships_where_their_shooter_saw_them() {
    // The target is at y=60 now but was at y=0 until three ticks ago; a still bullet sits at y=0.
    for (rewind, should_hit) in [(6u8, true), (0, false)] {
        let (mut world, mut schedule, _shooter, target) = duel();
        let now = Vec2::new(300.0, 60.0);
        let before = Vec2::new(300.0, 0.0);
        world.get_mut::<Position>(target).unwrap().0 = now;
        let mut trail = [before; TRAIL_LEN];
        trail[..3].fill(now);
        *world.get_mut::<ShipTrail>(target).unwrap() = ShipTrail(trail);
        world.spawn((
            Bullet { owner: PlayerId(1), ticks_left: 10, rewind_ticks: rewind },
            Position(before),
            Velocity(Vec2::ZERO),
            Collider(3.0),
        ));
        schedule.run(&mut world);
        let health = world.get::<Ship>(target).unwrap().health;
        assert_eq!(health < 100, should_hit, "rewind {rewind}: health {health}");
    }
}

#[test]
fn rewind_is_capped_near_200_ms() {
    let cfg = SimConfig::new(30);
    assert_eq!(cfg.max_rewind_ticks, 6);
    assert!(usize::from(SimConfig::new(60).max_rewind_ticks) < TRAIL_LEN);
}
