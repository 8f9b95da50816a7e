mod nowhere {
    imspec_macros::vendor!("specs/nowhere");
}

fn main() {}
