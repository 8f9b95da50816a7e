//! Validation vs serialization of large, full batches of each API, in ns per item, and the
//! allocations validation makes on the success path (target: none; and at most a quarter of
//! serialization's cost).
//!
//! `cargo bench -p imspec --bench validate`

#[path = "support/batches.rs"]
mod batches;
#[path = "support/counting.rs"]
mod counting;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use imspec::runtime::Violations;

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

const NOW_MS: i64 = 1_800_000_000_000;

macro_rules! bench_api {
    ($c:expr, $name:literal, $request:expr, $module:path, $items:expr) => {{
        use $module as m;
        let request = $request;
        let items = $items as u64;
        let (violations, allocs) = counting::allocations(|| {
            let mut v = Violations::at(NOW_MS);
            request.validate_with(&m::Limits::DOCUMENTED, &mut v);
            v
        });
        assert!(violations.is_empty(), "{}: the benchmark batch must be valid: {:?}", $name, violations.as_slice());
        let (bytes, ser_allocs) = counting::allocations(|| serde_json::to_vec(&request).map(|b| b.len()).unwrap_or(0));
        println!(
            "{}: {items} items, {bytes} bytes of JSON; allocations: validate {allocs}, serialize {ser_allocs}",
            $name
        );
        let mut group = $c.benchmark_group($name);
        group.throughput(Throughput::Elements(items));
        group.bench_function("validate", |b| {
            b.iter(|| {
                let mut v = Violations::at(NOW_MS);
                black_box(&request).validate_with(&m::Limits::DOCUMENTED, &mut v);
                black_box(v.is_empty())
            })
        });
        group.bench_function("serialize", |b| {
            b.iter(|| black_box(serde_json::to_vec(black_box(&request)).map(|v| v.len())))
        });
        group.finish();
    }};
}

fn benches(c: &mut Criterion) {
    bench_api!(c, "zego_zim/add_friends (20 items)", batches::zego(20), imspec::zego_zim::add_friends, 20);
    bench_api!(c, "easemob/contacts_import (10 items)", batches::easemob(10), imspec::easemob::contacts_import, 10);
    bench_api!(
        c,
        "tencent_im/friend_import (1000 items)",
        batches::friend_import(1000),
        imspec::tencent_im::friend_import,
        1000
    );
    bench_api!(
        c,
        "tencent_im/friend_add (1000 items)",
        batches::friend_add(1000),
        imspec::tencent_im::friend_add,
        1000
    );
}

criterion_group!(validate, benches);

fn main() {
    validate();
    Criterion::default().configure_from_args().final_summary();
}
