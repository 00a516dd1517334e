//! The simulator tested through the official SDK clients over loopback, and through the AWS
//! CLI (botocore parses every answer against the service models).

// Pedantic lints guard the library; in tests they would only rename bindings and closures.
#![allow(clippy::pedantic)]

mod aws_cli;
mod aws_cli_native;
mod codedeploy;
mod codepipeline;
mod common;
mod control;
mod ecs;
mod ecs_native;
mod elbv2;
mod engine;
mod faults;
mod garbage;
mod invariants;
mod modes;
mod modes_cli;
mod parsers;
mod parsers_control;
mod parsers_deep;
mod world_files;
