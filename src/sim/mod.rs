//! `cutover sim`: a local server that speaks the wire protocols of CodePipeline, CodeDeploy,
//! ECS, ELBv2 and STS, over a simulated account that runs on a virtual clock. The console's
//! demo and every test use it through the official SDK clients. It must never depend on the
//! console (`app`, `ui`).

pub mod api;
pub mod appspec;
pub mod clock;
pub mod control;
pub mod engine;
pub mod error;
pub mod faults;
pub mod invariants;
pub mod log;
pub mod rng;
pub mod server;
pub mod wire;
pub mod world;
pub mod worldfile;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use thiserror::Error;

use clock::{Clock, Millis};
use faults::{Fault, Faults};
use log::RequestLog;
use rng::Rng;
use world::World;

/// How to run a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub addr: SocketAddr,
    /// A world file; the embedded default world when `None`.
    pub world: Option<PathBuf>,
    /// A generated world instead of a file (see `worldfile::generate`); conflicts with
    /// `world`.
    pub generate: Option<worldfile::GenerateSpec>,
    /// Virtual seconds per real second; `None` is a manual clock that moves only through
    /// `/_sim/clock/advance`.
    pub speed: Option<f64>,
    pub seed: u64,
    pub faults: Faults,
    /// Overrides the world file's autopilot switch.
    pub autopilot: Option<bool>,
    /// Virtual time at start; now on a scaled clock, a fixed instant on a manual one.
    pub start: Option<Millis>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 4566)),
            world: None,
            generate: None,
            speed: Some(1.0),
            seed: 1,
            faults: Faults::default(),
            autopilot: None,
            start: None,
        }
    }
}

/// A fixed start for manual clocks, so tests see the same timestamps every run:
/// 2026-11-02T09:00:00Z.
pub const MANUAL_START: Millis = 1_793_610_000_000;

#[derive(Debug, Error)]
pub enum SimError {
    #[error(transparent)]
    World(#[from] worldfile::WorldFileError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid fault settings: {0}")]
    Faults(String),
    #[error("invalid speed {0}: use a positive number of virtual seconds per real second")]
    Speed(f64),
    #[error("cannot start the simulator's runtime: {0}")]
    Runtime(std::io::Error),
    #[error("give a world file or a generated world, not both")]
    WorldConflict,
}

/// What every request handler shares.
pub struct Shared {
    world: Mutex<World>,
    initial: World,
    clock: Clock,
    faults: Mutex<Faults>,
    fault_rng: Mutex<Rng>,
    log: Mutex<RequestLog>,
    request_ids: AtomicU64,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked mid-request leaves the world as it was at that point; serving
    // it is better than refusing every later request.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub fn new(options: &SimOptions) -> Result<Self, SimError> {
        options.faults.validate().map_err(SimError::Faults)?;
        if let Some(speed) = options.speed
            && !(speed.is_finite() && speed > 0.0)
        {
            return Err(SimError::Speed(speed));
        }
        let start = options.start.unwrap_or_else(|| {
            if options.speed.is_some() {
                clock::wall_now() / 1000 * 1000
            } else {
                MANUAL_START
            }
        });
        let load = |at: Millis| -> Result<World, SimError> {
            let mut world = match (&options.world, &options.generate) {
                (Some(_), Some(_)) => return Err(SimError::WorldConflict),
                (Some(path), None) => worldfile::load(path, at, options.seed)?,
                (None, Some(spec)) => worldfile::generated_world(spec, at, options.seed)?,
                (None, None) => worldfile::default_world(at, options.seed),
            };
            if let Some(enabled) = options.autopilot {
                world.autopilot.enabled = enabled;
            }
            Ok(world)
        };
        let mut world = load(start)?;
        // A world with autopilot starts with history: it is run from `warmup` minutes back.
        if world.autopilot.enabled && world.autopilot.warmup_minutes > 0 {
            world = load(start - world.autopilot.warmup_minutes * 60_000)?;
            world.advance_to(start);
        }
        let clock = match options.speed {
            Some(speed) => Clock::scaled(start, speed),
            None => Clock::manual(start),
        };
        Ok(Self {
            initial: world.clone(),
            world: Mutex::new(world),
            clock,
            faults: Mutex::new(options.faults.clone()),
            fault_rng: Mutex::new(Rng::new(options.seed ^ 0x5EED_FA17)),
            log: Mutex::new(RequestLog::default()),
            request_ids: AtomicU64::new(0),
        })
    }

    /// Runs `f` on the world brought up to the clock's now.
    pub fn with_world<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let mut world = lock(&self.world);
        world.advance_to(self.clock.now());
        f(&mut world)
    }

    pub fn catch_up(&self) {
        self.with_world(|_| ());
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn principal(&self) -> String {
        lock(&self.world).principal.clone()
    }

    pub fn reset(&self) {
        *lock(&self.world) = self.initial.clone();
        lock(&self.log).clear();
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }

    fn decide_fault(
        &self,
        service: &str,
        operation: &str,
        principal: &str,
    ) -> (u64, Option<Fault>) {
        let faults = lock(&self.faults);
        let mut rng = lock(&self.fault_rng);
        (
            faults.latency(&mut rng, service, operation),
            faults.decide(&mut rng, service, operation, principal),
        )
    }

    fn log(&self, call: (&str, &str, &[u8]), status: u16, error: Option<String>) {
        let at = self.clock.now();
        lock(&self.log).push(at, call, status, error);
    }

    pub fn request_log(&self) -> MutexGuard<'_, RequestLog> {
        lock(&self.log)
    }

    fn request_id(&self) -> String {
        let n = self.request_ids.fetch_add(1, Ordering::Relaxed) + 1;
        format!(
            "c0de5e1f-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (n >> 32) & 0xffff,
            (n >> 20) & 0xfff,
            (n >> 8) & 0xfff,
            n
        )
    }
}

/// A simulator serving on its own thread and runtime, for the demo and for tests. Dropping
/// the handle stops it.
pub struct SimHandle {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SimHandle {
    pub fn start(options: &SimOptions) -> Result<Self, SimError> {
        let shared = Arc::new(Shared::new(options)?);
        let std_listener =
            std::net::TcpListener::bind(options.addr).map_err(|source| SimError::Bind {
                addr: options.addr,
                source,
            })?;
        let addr = std_listener.local_addr().map_err(|source| SimError::Bind {
            addr: options.addr,
            source,
        })?;
        std_listener
            .set_nonblocking(true)
            .map_err(|source| SimError::Bind { addr, source })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(SimError::Runtime)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("cutover-sim".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) else {
                        return;
                    };
                    server::serve(served, listener, async {
                        let _ = stopped.await;
                    })
                    .await;
                });
            })
            .map_err(SimError::Runtime)?;
        Ok(Self {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
