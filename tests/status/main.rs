//! The data layer read through the official SDK clients: against the simulator (whose world
//! the test can see, to check the snapshot against the truth) and against moto's server (an
//! implementation nobody here wrote).

// Pedantic lints guard the library; in tests they would only rename bindings and closures.
#![allow(clippy::pedantic)]

#[allow(dead_code)]
#[path = "../sim/common.rs"]
mod common;

mod budget;
mod child;
mod command;
mod economy;
mod faults;
mod follow;
mod hot;
mod modes;
mod moto;
mod native;
mod native_status;
mod release_act;
mod release_rev;
mod report;
mod sources;
mod wait;
mod watch;
mod whole;

use cutover::aws::{Clients, ConnectOptions, connect};

/// Clients for an endpoint, with retries off and fixed keys.
pub async fn clients(endpoint: &str) -> Clients {
    connect(&ConnectOptions {
        endpoint_url: Some(endpoint.to_owned()),
        region: Some("us-east-1".to_owned()),
        max_attempts: Some(1),
        concurrency: ConnectOptions::DEFAULT_CONCURRENCY,
        static_credentials: Some(("AKIDTEST".to_owned(), "secret".to_owned())),
        profile: None,
        budgets: None,
        timeouts: None,
    })
    .await
}
