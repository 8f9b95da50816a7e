mod wrong {
    imspec_macros::vendor!(zego_zim);
}

fn main() {}
