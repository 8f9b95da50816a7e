//! Error codes: the generated tables resolve every code the way the spec does (an API's entry
//! overrides its vendor's), and the typed `ErrorCode` holds a shared code as
//! `ErrorCode::Vendor`, an overridden one as the API's own variant, any other as `Unknown`.

mod common;

use imspec::runtime::{Code, ErrorAt, ErrorClass, VendorCode};

/// The spec's lookup (`Api::error`) and the generated code's (`ApiInfo::error_at`) give every
/// code of every API the same entry, and neither knows a code outside both tables.
#[test]
fn the_generated_tables_resolve_every_code_as_the_spec_does() {
    let set = common::specs();
    let apis = set.apis();
    assert_eq!(apis.len(), imspec::apis().len());
    for api in apis {
        let id = api.id();
        let info = imspec::api(&id).unwrap_or_else(|| panic!("{id} is in the registry")).info;
        for table in [&api.spec.errors, &api.vendor.errors] {
            for (key, _) in table.iter() {
                let code = imspec_spec::Code::from_scalar(&key.value).expect("a code");
                let entry = api.error(&code).expect("the spec lists it");
                let runtime_code = match &code {
                    imspec_spec::Code::Int(i) => Code::Int(*i),
                    imspec_spec::Code::Str(s) => Code::Str(s.clone().into()),
                };
                let row = info.error(&runtime_code).unwrap_or_else(|| panic!("{id}: {code} has a row"));
                let spec_row = (entry.name.value.as_str(), entry.meaning.as_str(), entry.advice.as_deref());
                assert_eq!((row.name, row.meaning, row.advice), spec_row, "{id}: {code}");
                assert_eq!(row.message, entry.message.as_deref(), "{id}: {code}");
                // The API's own table holds exactly the codes the API lists itself.
                let own = api.spec.errors.get(&code.to_string()).is_some();
                assert_eq!(matches!(info.error_at(&runtime_code), Some(ErrorAt::Api(_))), own, "{id}: {code}");
            }
        }
        assert_eq!(api.errors().len(), {
            let shared = info.vendor.errors.iter().filter(|r| !info.errors.iter().any(|o| o.code == r.code));
            info.errors.len() + shared.count()
        });
        assert_eq!(info.error(&Code::Str("no table lists this".into())), None);
    }
}

/// One API's typed enum, checked against its tables (whichever codes they hold).
macro_rules! typed_codes {
    ($vendor:ident :: $api:ident) => {{
        use imspec::$vendor::{self as vendor, $api as api};
        for row in api::ERRORS {
            let e = api::ErrorCode::from_code(&row.code);
            assert!(!matches!(e, api::ErrorCode::Vendor(_) | api::ErrorCode::Unknown(_)), "{e:?}");
            assert_eq!(e.row(), Ok(row));
            assert_eq!(
                (e.code(), e.class(), e.meaning(), e.advice()),
                (row.code.clone(), Some(row.class), row.meaning, row.advice)
            );
        }
        for (shared, row) in vendor::VendorError::ALL.iter().zip(vendor::ERRORS) {
            assert_eq!(shared.row(), row);
            let e = api::ErrorCode::from_code(&row.code);
            match api::ERRORS.iter().find(|own| own.code == row.code) {
                // The API's entry wins: its own variant, with its own row.
                Some(own) => assert_eq!(e.row(), Ok(own), "{e:?}"),
                None => assert_eq!(e, api::ErrorCode::Vendor(*shared)),
            }
        }
        let unknown = Code::Str("no table lists this".into());
        let e = api::ErrorCode::from_code(&unknown);
        assert_eq!(e, api::ErrorCode::Unknown(unknown.clone()));
        assert_eq!((e.code(), e.class(), e.advice()), (unknown, None, None));
    }};
}

#[test]
fn a_typed_code_is_the_apis_own_the_vendors_shared_or_unknown() {
    typed_codes!(tencent_im::friend_add);
    typed_codes!(easemob::contacts_import);
    // Overrides vendor codes with its own wording and class.
    typed_codes!(zego_zim::check_friends);
}

/// What a downstream `match` looks like: one `match`, shared codes through `Vendor`.
#[test]
fn one_match_covers_own_shared_and_unknown_codes() {
    use imspec::zego_zim::{VendorError, add_friends::ErrorCode};
    let what = |e: &ErrorCode| match e {
        ErrorCode::Vendor(shared) if shared.row().class == ErrorClass::RateLimited => "slow down",
        ErrorCode::Vendor(_) => "shared",
        ErrorCode::Unknown(_) => "unknown",
        _ => "own",
    };
    let shared = imspec::zego_zim::ERRORS.iter().find(|r| {
        !imspec::zego_zim::add_friends::ERRORS.iter().any(|o| o.code == r.code) && r.class != ErrorClass::RateLimited
    });
    let shared = shared.expect("a shared code add_friends does not override");
    assert_eq!(what(&ErrorCode::from_code(&shared.code)), "shared");
    assert!(matches!(ErrorCode::from_code(&shared.code), ErrorCode::Vendor(v) if VendorError::ALL.contains(&v)));
    let own = &imspec::zego_zim::add_friends::ERRORS[0];
    assert_eq!(what(&ErrorCode::from_code(&own.code)), "own");
    assert_eq!(what(&ErrorCode::from_code(&Code::Int(-1))), "unknown");
}
