//! `cargo xtask drift`: what changed on a vendor page, against its spec.
//!
//! A maintainer pastes a newer version of the page a spec transcribes into a file; [`drift`]
//! reads it ([`page`]: Markdown through pulldown-cmark, HTML tables through scraper, every row
//! with its line), finds the API's section when the page documents several ([`section`]), reads
//! its tables and sentences ([`facts`], [`text`]) and compares them with the spec model
//! ([`spec`], [`compare`]): rate limit, batch maximum, request and response fields, limits stated
//! in descriptions, the API's own error codes. Facts the spec takes from another source are not
//! compared, and a part the page lacks is reported missing rather than as every row removed.
//! [`report`] renders the result as lines or JSON.

pub mod compare;
pub mod facts;
pub mod page;
pub mod report;
pub mod section;
pub mod spec;
pub mod text;

use imspec_spec::Api;

pub use report::{Difference, Kind, Missing, Report};

/// Compares a page's text with an API's spec.
pub fn drift(api: Api<'_>, page_text: &str) -> Report {
    let view = spec::SpecView::new(api);
    let page = page::Page::read(page_text);
    compare::compare(&view, &page)
}
