//! The engine: moves the world along the virtual clock, one second at a time, and carries
//! out the operations that start or change a process (deployments, executions, scaling).
//! It must not know about wire formats; the API modules call it with parsed input.

pub mod autopilot;
pub mod deploy;
pub mod native;
pub mod pipeline;
pub mod tasks;

use super::world::{Millis, World};

/// The engine's step. One virtual second keeps every transition visible to a poller and
/// costs little: a tick touches only what is moving.
pub const TICK: Millis = 1_000;

impl World {
    /// Runs every tick due up to `target` (virtual ms). Events happen at tick boundaries, so
    /// the state at a given virtual time does not depend on when requests arrived.
    pub fn advance_to(&mut self, target: Millis) {
        while self.now + TICK <= target {
            self.now += TICK;
            self.tick();
        }
    }

    /// One step of every process, in a fixed order.
    pub fn tick(&mut self) {
        autopilot::tick(self);
        pipeline::tick(self);
        deploy::tick(self);
        native::tick(self);
        tasks::tick(self);
    }

    /// Adds an ECS service event (newest first), as the service scheduler writes them.
    pub fn service_event(&mut self, cluster: &str, service: &str, message: String) {
        let id = self.event_id();
        let now = self.now;
        if let Some(svc) = self.service_mut(cluster, service) {
            svc.push_event(id, now, message);
        }
    }
}
