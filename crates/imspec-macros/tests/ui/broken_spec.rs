// A spec tree with dangling references: every problem is reported, each at its YAML line.
mod acme {
    imspec_macros::vendor!("../../tests/specs-bad/references/acme");
}

fn main() {}
