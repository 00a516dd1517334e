//! Reusable pieces of screens.

pub mod split_bar;
pub mod trouble;
