use super::*;
use crate::protocol::PROTOCOL_VERSION;

fn header() -> ReplayHeader {
    ReplayHeader {
        tick_hz: 30,
        arena_side: 4000.0,
        room_code: "AB2CD".into(),
        room_name: "Vega".into(),
        started_unix_ms: 1_796_000_000_000,
        first_tick: 100,
    }
}

/// A replay of ticks 100..160: a keyframe every 20 ticks, deltas between, an event now and then.
fn recorded() -> Vec<u8> {
    let mut writer = ReplayWriter::new(Vec::new(), &header()).unwrap();
    for tick in 100..160u64 {
        let kind = if tick % 20 == 0 { ChunkKind::Keyframe } else { ChunkKind::Delta };
        writer.chunk(kind, tick, &tick.to_le_bytes().repeat(1 + (tick % 3) as usize)).unwrap();
        if tick % 7 == 0 {
            writer.chunk(ChunkKind::Event, tick, b"kill").unwrap();
        }
    }
    writer.finish().unwrap()
}

#[test]
fn a_recording_reads_back_chunk_for_chunk() {
    let bytes = recorded();
    let replay = Replay::open(&bytes).unwrap();
    assert_eq!(replay.header, header());
    let chunks: Vec<Chunk<'_>> = replay.chunks().collect::<Result<_, _>>().unwrap();
    let ticks: Vec<u64> = chunks.iter().filter(|c| c.kind != ChunkKind::Event).map(|c| c.tick).collect();
    assert_eq!(ticks, (100..160).collect::<Vec<_>>());
    assert_eq!(chunks.iter().filter(|c| c.kind == ChunkKind::Event).count(), (100..160).filter(|t| t % 7 == 0).count());
    let tick_130 = chunks.iter().find(|c| c.tick == 130 && c.kind == ChunkKind::Delta).unwrap();
    assert_eq!(tick_130.payload, 130u64.to_le_bytes().repeat(2));
}

#[test]
fn seeking_starts_at_the_last_keyframe_at_or_before_the_tick() {
    let bytes = recorded();
    let replay = Replay::open(&bytes).unwrap();
    assert_eq!(replay.keyframes().iter().map(|(t, _)| *t).collect::<Vec<_>>(), [100, 120, 140]);
    for (tick, keyframe) in [(99, 100), (100, 100), (119, 100), (120, 120), (139, 120), (159, 140), (10_000, 140)] {
        let first = replay.chunks_from(replay.seek(tick)).next().unwrap().unwrap();
        assert_eq!((first.kind, first.tick), (ChunkKind::Keyframe, keyframe), "seek({tick})");
    }
}

#[test]
fn every_cut_short_file_is_refused_with_a_reason_and_no_panic() {
    let bytes = recorded();
    for len in 0..bytes.len() {
        let error = Replay::open(&bytes[..len]).expect_err("a prefix is not a replay");
        assert!(matches!(error, ReplayError::NotAReplay | ReplayError::Truncated { .. } | ReplayError::Corrupt { .. }), "{len}: {error:?}");
        if len >= MAGIC.len() + 10 {
            assert!(matches!(error, ReplayError::Truncated { .. } | ReplayError::Corrupt { .. }), "{len}: {error:?}");
        }
    }
}

#[test]
fn a_damaged_byte_anywhere_is_refused_or_found_while_reading_never_misread() {
    let bytes = recorded();
    for at in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5A;
        // Either the file is refused, or reading its chunks meets the damage: never a silent
        // success with other content.
        let Ok(replay) = Replay::open(&damaged) else { continue };
        let read: Vec<_> = replay.chunks().collect();
        assert!(read.iter().any(Result::is_err), "byte {at} damaged, yet every chunk read back");
    }
}

#[test]
fn a_newer_format_another_protocol_or_another_file_says_so() {
    let bytes = recorded();
    let mut newer = bytes.clone();
    newer[8..10].copy_from_slice(&(REPLAY_FORMAT_VERSION + 1).to_le_bytes());
    assert_eq!(
        Replay::open(&newer).unwrap_err(),
        ReplayError::NewerFormat { found: REPLAY_FORMAT_VERSION + 1, supported: REPLAY_FORMAT_VERSION }
    );
    let mut other = bytes.clone();
    other[10..14].copy_from_slice(&(PROTOCOL_VERSION + 1).to_le_bytes());
    assert_eq!(Replay::open(&other).unwrap_err(), ReplayError::OtherProtocol { found: PROTOCOL_VERSION + 1, expected: PROTOCOL_VERSION });
    assert_eq!(Replay::open(b"<!doctype html><html>").unwrap_err(), ReplayError::NotAReplay);
    // The errors read as sentences for the screen.
    assert_eq!(ReplayError::Truncated { at: 12 }.to_string(), "this replay is cut short (it ends at byte 12)");
}
