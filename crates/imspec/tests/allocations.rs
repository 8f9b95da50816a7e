//! Validation allocates nothing on the success path (a counting allocator proves it), for a
//! full, large batch of every API.

#[path = "../benches/support/batches.rs"]
mod batches;
#[path = "../benches/support/counting.rs"]
mod counting;

use imspec::runtime::Violations;

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

#[test]
fn validating_a_valid_batch_allocates_nothing() {
    let now = 1_800_000_000_000;
    let zego = batches::zego(20);
    let easemob = batches::easemob(10);
    let import = batches::friend_import(1000);
    let add = batches::friend_add(1000);
    let (v, n) = counting::allocations(|| {
        let mut v = Violations::at(now);
        zego.validate_with(&imspec::zego_zim::add_friends::Limits::DOCUMENTED, &mut v);
        easemob.validate_with(&imspec::easemob::contacts_import::Limits::DOCUMENTED, &mut v);
        import.validate_with(&imspec::tencent_im::friend_import::Limits::DOCUMENTED, &mut v);
        add.validate_with(&imspec::tencent_im::friend_add::Limits::DOCUMENTED, &mut v);
        v
    });
    assert!(v.is_empty(), "{:?}", v.as_slice());
    assert_eq!(n, 0, "validation allocated {n} times");
    // The counter itself works: an invalid request allocates its report.
    let mut bad = batches::zego(21);
    bad.friend_infos[0].user_id = bad.from_user_id.clone();
    let (v, n) = counting::allocations(|| {
        let mut v = Violations::at(now);
        bad.validate_with(&imspec::zego_zim::add_friends::Limits::DOCUMENTED, &mut v);
        v
    });
    assert_eq!(v.len(), 2);
    assert!(n > 0);
}
