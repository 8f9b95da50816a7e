//! drift
pub mod page;
pub mod report;
pub mod section;
pub mod spec;
pub mod text;
