//! Command-line parsing: the subcommands and their flags. It must not hold business logic;
//! `main` hands each command to the module that owns it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::sim::SimOptions;
use crate::sim::clock::{Millis, parse_rfc3339};
use crate::sim::faults::Faults;

#[derive(Debug, Parser)]
#[command(
    name = "cutover",
    version,
    about = "A terminal console for blue/green releases on AWS ECS"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the AWS-compatible simulator (CodePipeline, CodeDeploy, ECS, ELBv2, STS).
    Sim(SimArgs),
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on; loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:4566")]
    pub addr: SocketAddr,
    /// A world file (TOML); the embedded default world when absent.
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// Virtual seconds per real second.
    #[arg(long, default_value_t = 1.0, value_parser = positive_speed)]
    pub speed: f64,
    /// A manual clock that moves only through POST /_sim/clock/advance (overrides --speed).
    #[arg(long)]
    pub manual_clock: bool,
    /// Seed for every random choice the world makes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Virtual time to start at (RFC 3339, e.g. 2026-11-02T09:00:00Z); now by default.
    #[arg(long, value_parser = rfc3339)]
    pub start: Option<Millis>,
    /// Turn off the autopilot that keeps the world busy.
    #[arg(long)]
    pub no_autopilot: bool,
    /// Latency added to every AWS request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Random extra latency of up to this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Share of requests answered with the service's throttling error (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    pub throttle_rate: f64,
    /// Share of requests answered with a 5xx (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    pub error_rate: f64,
    /// Share of connections dropped without an answer (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    pub drop_rate: f64,
    /// Answer these IAM actions with AccessDenied (`ecs:DescribeServices`, `codedeploy:*`).
    #[arg(long, value_name = "ACTION")]
    pub deny: Vec<String>,
}

impl SimArgs {
    pub fn options(&self) -> SimOptions {
        SimOptions {
            addr: self.addr,
            world: self.world.clone(),
            speed: (!self.manual_clock).then_some(self.speed),
            seed: self.seed,
            faults: Faults {
                latency_ms: self.latency_ms,
                jitter_ms: self.jitter_ms,
                throttle_rate: self.throttle_rate,
                error_rate: self.error_rate,
                drop_rate: self.drop_rate,
                deny: self.deny.clone(),
                ..Faults::default()
            },
            autopilot: self.no_autopilot.then_some(false),
            start: self.start,
        }
    }
}

fn rate(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 1"))
    }
}

fn positive_speed(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if value.is_finite() && value > 0.0 && value <= 100_000.0 {
        Ok(value)
    } else {
        Err(format!("{value} must be above 0 and at most 100000"))
    }
}

fn rfc3339(text: &str) -> Result<Millis, String> {
    parse_rfc3339(text)
        .ok_or_else(|| format!("'{text}' is not an RFC 3339 time such as 2026-11-02T09:00:00Z"))
}
