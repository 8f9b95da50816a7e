//! The request body encodings an endpoint's `content_type` may name: one row each. The lint,
//! the IR and the runtime's encoder (`imspec-runtime/src/body.rs`) read this table; a new
//! encoding is its row here, its arm in the runtime's encoder and decoder, and its tests.

/// How a request body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A JSON document.
    Json,
    /// `name=value&...` pairs, every value text: only a flat object of scalar fields.
    Form,
}

/// Every encoding, by the media type of its `content_type` (parameters such as `charset` aside).
pub const ENCODINGS: &[(&str, Encoding)] =
    &[("application/json", Encoding::Json), ("application/x-www-form-urlencoded", Encoding::Form)];

/// The encoding of a `content_type` (`application/x-www-form-urlencoded;charset=utf-8`).
pub fn encoding(content_type: &str) -> Option<Encoding> {
    let media = content_type.split(';').next().unwrap_or("").trim();
    ENCODINGS.iter().find(|(name, _)| name.eq_ignore_ascii_case(media)).map(|(_, e)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_media_type_decides_whatever_its_parameters() {
        assert_eq!(encoding("application/json"), Some(Encoding::Json));
        assert_eq!(encoding("application/x-www-form-urlencoded;charset=utf-8"), Some(Encoding::Form));
        assert_eq!(encoding(" Application/JSON ; charset=UTF-8"), Some(Encoding::Json));
        assert_eq!(encoding("text/xml"), None);
    }
}
