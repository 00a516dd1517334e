//! cutover: a terminal console for blue/green releases on AWS ECS, and `cutover sim`, the
//! AWS-compatible simulator it is demonstrated and tested against.

pub mod app;
pub mod audit;
pub mod aws;
pub mod cli;
pub mod config;
pub mod console;
pub mod evidence;
pub mod model;
pub mod ops;
pub mod paths;
pub mod release;
pub mod report;
pub mod sim;
pub mod sources;
pub mod status;
pub mod sync;
pub mod ui;
pub mod wait;
pub mod watch;

/// What the property tests share: `default` cases each, or `PROPTEST_CASES` for a longer
/// hunt, and no regression files written into the tree (a failure's input goes into a
/// plain test instead).
#[cfg(test)]
pub(crate) fn proptest_config(default: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
