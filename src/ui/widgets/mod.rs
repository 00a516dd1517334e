//! Reusable pieces of screens.

pub mod notices;
pub mod split_bar;
pub mod trouble;
