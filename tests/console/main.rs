//! The console's screens drawn from simulator states on the manual clock: insta snapshots of
//! every screen, the help and the palette, at 80×24 and 160×48; the colours of the cells that
//! carry a status; and the real binary in tmux.

// Pedantic lints guard the library; in tests they would only rename bindings and closures.
#![allow(clippy::pedantic)]

#[allow(dead_code)]
#[path = "../sim/common.rs"]
mod common;

mod ecs;
mod failed;
mod faults;
mod headless;
mod screens;
mod sources;
mod surprises;
mod tmux;
