//! drift
pub mod page;
