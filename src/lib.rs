//! cutover: a terminal console for blue/green releases on AWS ECS, and `cutover sim`, the
//! AWS-compatible simulator it is demonstrated and tested against.

pub mod app;
pub mod audit;
pub mod aws;
pub mod cli;
pub mod config;
pub mod console;
pub mod model;
pub mod ops;
pub mod paths;
pub mod sim;
pub mod sources;
pub mod status;
pub mod sync;
pub mod ui;
