//! Typed, validated clients for IM vendors' "add / import friends in bulk" APIs, generated at
//! compile time from the YAML specs in `specs/` — one module and one cargo feature per vendor.
//!
//! Every type, field, limit, error code and constant here comes from a spec; see
//! `docs/reference.md` for the same facts as a table.
//!
//! ```
//! # #[cfg(feature = "zego-zim")] {
//! use imspec::zego_zim::add_friends::{AddFriendsRequest, FriendInfo};
//! // Constructors take the required fields; `with_*` sets an optional one.
//! let me = FriendInfo::new("zego_user").with_wording("hi"); // adding oneself is not allowed
//! let request = AddFriendsRequest::new("zego_user", vec![me]);
//! let violations = request.validate();
//! assert_eq!(violations[0].path, "$.FriendInfos[0].UserId");
//! # }
//! ```
//!
//! Each API's `ErrorCode` is matched in one `match`: the API's own codes, the codes its vendor
//! shares (emitted once per vendor as `VendorError`) through `ErrorCode::Vendor`, and `Unknown`
//! for a code no spec lists. Class, meaning and advice come from the code's row.
//!
//! ```
//! # #[cfg(feature = "zego-zim")] {
//! use imspec::runtime::{Code, VendorCode};
//! use imspec::zego_zim::{VendorError, add_friends::ErrorCode};
//! fn next_step(e: &ErrorCode) -> &'static str {
//!     match e {
//!         ErrorCode::AlreadyFriends => "nothing to do",
//!         ErrorCode::Vendor(VendorError::SystemBusy) => "retry later",
//!         ErrorCode::Vendor(shared) if shared.row().class.is_retryable() => "retry later",
//!         ErrorCode::Unknown(_) => "report the code",
//!         other => other.meaning(),
//!     }
//! }
//! assert_eq!(next_step(&ErrorCode::from_code(&Code::Int(-1))), "report the code");
//! # }
//! ```

pub use imspec_runtime as runtime;

/// Declares each vendor once: its module (expanded from its specs by `vendor!`), behind its
/// cargo feature, and its place in [`apis`].
macro_rules! vendors {
    ($($(#[$doc:meta])* $feature:literal => $module:ident $dir:tt;)*) => {
        $(
            $(#[$doc])*
            #[cfg(feature = $feature)]
            pub mod $module {
                imspec_macros::vendor!($dir);
            }
        )*

        /// Every API compiled in (by the enabled features), for callers that reach APIs by id.
        pub fn apis() -> Vec<&'static runtime::ApiEntry> {
            // Mutated only by the vendors whose feature is on: with none, nothing is.
            #[allow(unused_mut)]
            let mut all: Vec<&'static runtime::ApiEntry> = Vec::new();
            $(
                #[cfg(feature = $feature)]
                all.extend($module::APIS.iter().copied());
            )*
            all
        }
    };
}

vendors! {
    /// Easemob (环信) IM RESTful API.
    "easemob" => easemob "specs/easemob";
    /// Tencent Cloud IM (TIM) REST API.
    "tencent-im" => tencent_im "specs/tencent_im";
    /// ZEGO ZIM server API.
    "zego-zim" => zego_zim "specs/zego_zim";
    /// NetEase Yunxin (网易云信) IM server API v1.
    "netease-yunxin" => netease_yunxin "specs/netease_yunxin";
}

/// The API with this id (`vendor/api`), if compiled in.
pub fn api(id: &str) -> Option<&'static runtime::ApiEntry> {
    apis().into_iter().find(|a| a.info.id == id)
}
