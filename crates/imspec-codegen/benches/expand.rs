//! What the proc-macro does for every spec: load and check each vendor's files, lower, emit.
//!
//! `cargo bench -p imspec-codegen --bench expand`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

/// One vendor's files, as the macro reads them.
fn vendor_sources(vendor: &str) -> Vec<(String, String)> {
    let (sources, _) =
        imspec_spec::read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs").join(vendor));
    sources.into_iter().map(|(rel, text)| (format!("{vendor}/{rel}"), text)).collect()
}

fn expand(c: &mut Criterion) {
    let vendors: Vec<(&str, Vec<(String, String)>)> =
        ["easemob", "tencent_im", "zego_zim"].into_iter().map(|v| (v, vendor_sources(v))).collect();
    c.bench_function("expand all specs (load + check + lower + emit)", |b| {
        b.iter(|| {
            for (vendor, sources) in &vendors {
                let loaded = imspec_spec::load_sources("specs", sources);
                let tokens = imspec_codegen::vendor_module(&loaded.set, vendor).expect("generates");
                black_box(tokens.to_string().len());
            }
        })
    });
}

criterion_group!(benches, expand);
criterion_main!(benches);
