//! Vendor codes and how a client handles them.

use std::borrow::Cow;
use std::fmt;

/// A vendor code as the vendor answers it: an integer (Tencent `ErrorCode`, ZEGO `Code`) or a
/// string (Easemob's `error`, or the name of one of its result lists).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Int(i64),
    Str(Cow<'static, str>),
}

impl Code {
    /// The code as JSON: a number or a string, as the vendor writes it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Code::Int(i) => serde_json::Value::from(*i),
            Code::Str(s) => serde_json::Value::String(s.to_string()),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Int(i) => write!(f, "{i}"),
            Code::Str(s) => f.write_str(s),
        }
    }
}

impl From<i64> for Code {
    fn from(i: i64) -> Self {
        Code::Int(i)
    }
}

impl From<&'static str> for Code {
    fn from(s: &'static str) -> Self {
        Code::Str(Cow::Borrowed(s))
    }
}

/// How a client handles a code; the spec's error table assigns one to every code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    /// Fix the request; never retried.
    CallerError,
    /// Credentials are wrong or expired; never retried.
    Auth,
    /// Back off and retry.
    RateLimited,
    /// Transient; retry.
    Retryable,
    /// Will not succeed; do not retry.
    Permanent,
    /// Accepted, awaiting the other side: a success of another kind.
    Pending,
    /// Done before: a success.
    AlreadyDone,
}

impl ErrorClass {
    /// Whether a retry may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::RateLimited | ErrorClass::Retryable)
    }

    /// Whether the code reports a success of some kind.
    pub fn is_success(self) -> bool {
        matches!(self, ErrorClass::Pending | ErrorClass::AlreadyDone)
    }
}

/// A generated error-code enum: every code an API documents — its own table's, and its
/// vendor's shared codes through one variant — plus `Unknown` for codes neither table lists
/// (so a new vendor code never breaks a client). Everything but the code's identity is read
/// from its row.
pub trait VendorCode: Sized + fmt::Debug + Clone + PartialEq {
    /// The entry for `code`, or `Unknown`.
    fn from_code(code: &Code) -> Self;
    /// The code's row in the API's or the vendor's table, or (`Err`) the code neither lists.
    fn row(&self) -> Result<&'static crate::ErrorRow, &Code>;

    /// The code as the vendor answers it.
    fn code(&self) -> Code {
        match self.row() {
            Ok(row) => row.code.clone(),
            Err(code) => code.clone(),
        }
    }

    /// The handling class; `None` for a code the tables do not list.
    fn class(&self) -> Option<ErrorClass> {
        self.row().ok().map(|r| r.class)
    }

    /// What the vendor says the code means.
    fn meaning(&self) -> &'static str {
        self.row().map_or("a code the spec does not list", |r| r.meaning)
    }

    /// The vendor's handling advice, when the page gives it.
    fn advice(&self) -> Option<&'static str> {
        self.row().ok().and_then(|r| r.advice)
    }
}
