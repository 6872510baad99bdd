//! A player's jitter buffer: inputs arrive in bursts over the network, the room applies exactly
//! one per tick, in order, so the server replays the same input sequence the client predicted
//! with. After a stall the burst would keep the buffer deep for good (inputs keep arriving one a
//! tick), so a buffer that stays deeper than its target sheds its oldest surplus input, as an
//! audio de-jitter buffer drops a frame.

use std::collections::VecDeque;

use driftfire_shared::input::ValidInput;

/// Inputs a player may have waiting. A burst after network jitter drains over the next ticks.
/// More than 4 (~130 ms at 30 Hz) only adds latency, so the oldest is dropped (a client whose
/// clock runs fast cannot gain speed either).
pub const MAX_QUEUED_INPUTS: usize = 4;

/// Inputs a player's queue must hold before the room consumes them again after running dry:
/// one input of slack absorbs a tick of arrival jitter, so the room rarely has to repeat an
/// input (which the player's prediction would then have to correct).
pub const INPUT_BUFFER_TARGET: usize = 2;

/// A lone input is applied after waiting this many ticks anyway, so a client that sends only
/// now and then (a hidden tab) is not held back for good.
pub const MAX_REFILL_WAIT_TICKS: u8 = 3;

/// Ticks the buffer must stay deeper than [`INPUT_BUFFER_TARGET`] (still holding that many after
/// the tick took its input) before its surplus is dropped: about a quarter of a second at 30 Hz,
/// longer than one burst of arrival jitter, short against the seconds between losses on a lossy
/// link. Measured (issue 24, WebSocket, 1 % loss, RTT 60 ms): without shedding a client's median
/// input ack rose by 66 ms at its first stall and stayed there; shedding one input per 15 ticks
/// still left it a tick (30 ms) above the loss-free median, because each TCP retransmission
/// refilled the buffer before it had drained.
pub const SURPLUS_TICKS: u16 = 8;

/// One player's inputs received and not yet applied.
#[derive(Debug)]
pub struct InputQueue {
    /// Oldest first, with their sequence numbers.
    pending: VecDeque<(u32, ValidInput)>,
    /// Newest sequence number received (older or repeated ones are ignored).
    last_received_seq: u32,
    /// Sequence number of the input applied in the latest tick; snapshots echo it.
    last_applied_seq: u32,
    /// The queue ran dry: wait until it holds [`INPUT_BUFFER_TARGET`] inputs again (or an
    /// input has waited [`MAX_REFILL_WAIT_TICKS`]).
    starved: bool,
    /// Ticks a lone input has waited for company while starved.
    refill_wait: u8,
    /// Consecutive ticks the buffer stayed deeper than its target.
    surplus_ticks: u16,
    /// The least it held after a tick's input over those ticks.
    surplus_min_depth: usize,
    /// Inputs dropped to bring the buffer back down (for the room's counters and tests).
    shed: u64,
}

impl Default for InputQueue {
    fn default() -> Self {
        Self {
            pending: VecDeque::new(),
            last_received_seq: 0,
            last_applied_seq: 0,
            starved: true,
            refill_wait: 0,
            surplus_ticks: 0,
            surplus_min_depth: usize::MAX,
            shed: 0,
        }
    }
}

impl InputQueue {
    /// Queues input `seq`, unless it is older than one already received.
    pub fn push(&mut self, seq: u32, input: ValidInput) {
        if seq <= self.last_received_seq {
            return;
        }
        self.last_received_seq = seq;
        self.pending.push_back((seq, input));
        if self.pending.len() > MAX_QUEUED_INPUTS {
            self.pending.pop_front();
        }
    }

    /// The input for this tick, if one is due. With none waiting (a late packet) the caller's
    /// previous control simply continues, and the queue refills to its jitter-buffer depth
    /// before inputs are consumed again.
    pub fn next(&mut self) -> Option<ValidInput> {
        if self.starved && self.pending.len() < INPUT_BUFFER_TARGET && self.refill_wait < MAX_REFILL_WAIT_TICKS {
            self.refill_wait += u8::from(!self.pending.is_empty());
            return None;
        }
        self.refill_wait = 0;
        let Some((seq, input)) = self.pending.pop_front() else {
            self.starved = true;
            return None;
        };
        self.starved = false;
        self.last_applied_seq = seq;
        // Still a target's worth waiting after this tick's input: latency the buffer does not
        // need. Held for SURPLUS_TICKS, what it never dipped below goes, down to the depth a
        // steady stream leaves (one input of slack); the client's prediction reconciles.
        if self.pending.len() >= INPUT_BUFFER_TARGET {
            self.surplus_ticks += 1;
            self.surplus_min_depth = self.surplus_min_depth.min(self.pending.len());
            if self.surplus_ticks >= SURPLUS_TICKS {
                for _ in INPUT_BUFFER_TARGET - 1..self.surplus_min_depth {
                    if let Some((seq, _)) = self.pending.pop_front() {
                        self.last_applied_seq = seq;
                        self.shed += 1;
                    }
                }
                self.surplus_ticks = 0;
                self.surplus_min_depth = usize::MAX;
            }
        } else {
            self.surplus_ticks = 0;
            self.surplus_min_depth = usize::MAX;
        }
        Some(input)
    }

    /// Inputs dropped so far to bring the buffer back down after bursts.
    pub fn shed(&self) -> u64 {
        self.shed
    }

    /// Inputs waiting.
    #[cfg(test)]
    fn depth(&self) -> usize {
        self.pending.len()
    }

    /// Forgets what is waiting (the connection dropped).
    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// Starts over for a new connection of the same player, whose sequence numbers restart;
    /// the last applied number stays until the new connection's first input is applied.
    pub fn restart(&mut self) {
        self.pending.clear();
        self.last_received_seq = 0;
        self.starved = true;
    }

    /// Sequence number of the input applied in the latest tick (0 before the first).
    pub fn last_applied_seq(&self) -> u32 {
        self.last_applied_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(aim: f32) -> ValidInput {
        ValidInput { aim, ..ValidInput::default() }
    }

    #[test]
    fn a_burst_is_applied_one_per_tick_in_order_after_the_buffer_fills() {
        let mut queue = InputQueue::default();
        queue.push(1, input(0.1));
        // One input is not yet a buffer: wait (up to the refill limit).
        assert_eq!(queue.next(), None);
        queue.push(2, input(0.2));
        queue.push(3, input(0.3));
        let applied: Vec<(f32, u32)> = (0..3).map(|_| (queue.next().unwrap().aim, queue.last_applied_seq())).collect();
        assert_eq!(applied, [(0.1, 1), (0.2, 2), (0.3, 3)]);
        assert_eq!(queue.next(), None, "dry again");
    }

    #[test]
    fn old_repeated_and_excess_inputs_are_dropped() {
        let mut queue = InputQueue::default();
        for seq in [1, 2, 2, 1, 3, 4, 5, 6] {
            queue.push(seq, input(seq as f32));
        }
        // Six distinct, newer inputs; only the newest MAX_QUEUED_INPUTS are kept.
        let applied: Vec<u32> = std::iter::from_fn(|| queue.next().map(|_| queue.last_applied_seq())).collect();
        assert_eq!(applied, [3, 4, 5, 6]);
    }

    #[test]
    fn a_lone_input_waits_at_most_the_refill_limit() {
        let mut queue = InputQueue::default();
        queue.push(1, input(1.0));
        let waited = (0..10).take_while(|_| queue.next().is_none()).count();
        assert_eq!(waited, usize::from(MAX_REFILL_WAIT_TICKS));
    }

    /// Feeds `arrivals[t]` inputs before tick `t` and takes one per tick: the depth left after
    /// each tick.
    fn depths(queue: &mut InputQueue, seq: &mut u32, arrivals: impl IntoIterator<Item = usize>) -> Vec<usize> {
        arrivals
            .into_iter()
            .map(|count| {
                for _ in 0..count {
                    *seq += 1;
                    queue.push(*seq, input(*seq as f32));
                }
                queue.next();
                queue.depth()
            })
            .collect()
    }

    #[test]
    fn after_a_burst_the_buffer_comes_back_down() {
        let mut queue = InputQueue::default();
        let mut seq = 0;
        // Steady: one input a tick.
        depths(&mut queue, &mut seq, [1; 30]);
        // A stall of 3 ticks, then the burst of 4 (what a retransmission delivers at once).
        let after_stall = depths(&mut queue, &mut seq, [0, 0, 0, 4]);
        assert_eq!(after_stall.last(), Some(&3), "the burst leaves three waiting");
        // Inputs keep coming one a tick: after SURPLUS_TICKS the whole surplus goes at once.
        let later = depths(&mut queue, &mut seq, [1; SURPLUS_TICKS as usize]);
        assert_eq!(*later.last().unwrap(), INPUT_BUFFER_TARGET - 1, "back to the target: {later:?}");
        assert_eq!(queue.shed(), 2);
        // And it stays there.
        assert!(depths(&mut queue, &mut seq, [1; 60]).iter().all(|&d| d == INPUT_BUFFER_TARGET - 1));
        assert_eq!(queue.shed(), 2);
    }

    #[test]
    fn ordinary_jitter_drops_nothing() {
        let mut queue = InputQueue::default();
        let mut seq = 0;
        // Two in one tick, none the next; now and then three, then a gap.
        let pattern = [2, 0, 1, 1, 2, 0, 1, 3, 0, 0, 1, 1];
        depths(&mut queue, &mut seq, pattern.iter().copied().cycle().take(600));
        assert_eq!(queue.shed(), 0);
    }

    #[test]
    fn a_restart_accepts_sequence_numbers_from_one_again() {
        let mut queue = InputQueue::default();
        queue.push(9, input(9.0));
        queue.restart();
        queue.push(1, input(1.0));
        queue.push(2, input(2.0));
        assert_eq!(queue.next().map(|i| i.aim), Some(1.0));
    }
}
