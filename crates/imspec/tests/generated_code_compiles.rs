//! The pretty-printed generated code that reviewers read (`docs/generated/`) compiles as it
//! stands, with warnings denied — it is the same code the macro expands.

#![deny(warnings)]
#![allow(dead_code)]

mod easemob {
    include!("../../../docs/generated/easemob.rs");
}
mod tencent_im {
    include!("../../../docs/generated/tencent_im.rs");
}
mod zego_zim {
    include!("../../../docs/generated/zego_zim.rs");
}

#[test]
fn the_printed_code_is_the_expanded_code() {
    assert_eq!(zego_zim::add_friends::INFO, imspec::zego_zim::add_friends::INFO);
    assert_eq!(tencent_im::friend_import::INFO, imspec::tencent_im::friend_import::INFO);
    assert_eq!(easemob::contacts_import::INFO, imspec::easemob::contacts_import::INFO);
}
