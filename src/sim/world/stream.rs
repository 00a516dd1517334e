//! Two streams of chance for one world: what ECS-native blue/green services do (their ids,
//! task addresses, service events, the autopilot's choices for them) draws from a stream of
//! its own, so that adding such a service to a world leaves every other id, address and
//! choice of that world as it was for the same seed. It must not be used to hide a draw
//! from the seed: both streams derive from it.

use crate::sim::rng::Rng;

use super::World;

/// Which stream a piece of work draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stream {
    #[default]
    Main,
    /// ECS-native blue/green services and their deployments.
    Native,
}

/// The stream not in use: its generator and counters.
#[derive(Debug, Clone)]
pub struct Parked {
    rng: Rng,
    next_ip: u32,
    next_event: u64,
}

impl Parked {
    /// The native stream of a world seeded with `seed`. Its addresses start at 10.0.200.4 and
    /// its event numbers at 2^31, so neither meets the main stream's (which would need 50,000
    /// tasks or two billion events to get there).
    pub fn native(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed ^ 0x0EC5_0EC5_0EC5_0EC5),
            next_ip: 250 * 200,
            next_event: 1 << 31,
        }
    }
}

impl World {
    /// The stream drawn from now.
    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// Draws from `stream` from now on.
    pub fn switch_stream(&mut self, stream: Stream) {
        if stream == self.stream {
            return;
        }
        std::mem::swap(&mut self.rng, &mut self.parked.rng);
        std::mem::swap(&mut self.next_ip, &mut self.parked.next_ip);
        std::mem::swap(&mut self.next_event, &mut self.parked.next_event);
        self.stream = stream;
    }

    /// Runs `work` drawing from `stream`, then goes back to the stream in use before.
    pub fn in_stream<T>(&mut self, stream: Stream, work: impl FnOnce(&mut World) -> T) -> T {
        let before = self.stream;
        self.switch_stream(stream);
        let out = work(self);
        self.switch_stream(before);
        out
    }

    /// The stream a service's work draws from.
    pub fn stream_of(&self, cluster: &str, service: &str) -> Stream {
        match self.service(cluster, service) {
            Some(s) if s.blue_green.is_some() => Stream::Native,
            _ => Stream::Main,
        }
    }
}
