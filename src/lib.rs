//! cutover: a terminal console for blue/green releases on AWS ECS, and `cutover sim`, the
//! AWS-compatible simulator it is demonstrated and tested against.

pub mod cli;
pub mod sim;
