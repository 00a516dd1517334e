//! The simulator tested through the official SDK clients over loopback, and through the AWS
//! CLI (botocore parses every answer against the service models).

mod aws_cli;
mod codedeploy;
mod codepipeline;
mod common;
mod control;
mod ecs;
mod elbv2;
mod engine;
mod faults;
mod invariants;
