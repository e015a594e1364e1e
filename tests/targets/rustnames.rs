// SPDX-License-Identifier: GPL-2.0
//! rustnames [N]: Rust names, built as crate `app` (tests/targets/targets.mk).
//! Calls app::store::Store::get 2N times, app::store::Store::put N times,
//! <Circle as Shape>::area and <Square as Shape>::area N times each through
//! a trait object, and the generic app::twice for u32 (N times) and for f64
//! (3N times): legacy mangling gives both instances one path and two hashes.
//! Prints "get=2N put=N circle=N square=N twice_u32=N twice_f64=3N sum=S".

pub mod store {
    pub struct Store {
        slots: Vec<u64>,
    }

    impl Store {
        pub fn new() -> Store {
            Store { slots: vec![0; 64] }
        }

        #[inline(never)]
        pub fn get(&self, key: usize) -> u64 {
            self.slots[key % self.slots.len()]
        }

        #[inline(never)]
        pub fn put(&mut self, key: usize, value: u64) {
            let n = self.slots.len();
            self.slots[key % n] = value;
        }
    }
}

pub mod shapes {
    pub trait Shape {
        fn area(&self) -> f64;
    }

    pub struct Circle(pub f64);
    pub struct Square(pub f64);

    impl Shape for Circle {
        #[inline(never)]
        fn area(&self) -> f64 {
            3.0 * self.0 * self.0
        }
    }

    impl Shape for Square {
        #[inline(never)]
        fn area(&self) -> f64 {
            self.0 * self.0
        }
    }
}

#[inline(never)]
pub fn twice<T: Copy + std::ops::Add<Output = T>>(x: T) -> T {
    std::hint::black_box(x) + x
}

fn main() {
    use shapes::Shape;
    use std::hint::black_box;

    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let mut s = store::Store::new();
    let shapes: Vec<Box<dyn Shape>> = vec![Box::new(shapes::Circle(1.5)), Box::new(shapes::Square(2.0))];
    let (mut sum, mut fsum) = (0u64, 0f64);

    for i in 0..n {
        s.put(black_box(i as usize), i);
        sum += s.get(black_box(i as usize)) + s.get(black_box(i as usize + 1));
        for sh in black_box(&shapes).iter() {
            fsum += sh.area();
        }
        sum += twice(black_box(i as u32)) as u64;
        for _ in 0..3 {
            fsum += twice(black_box(i as f64));
        }
    }
    println!(
        "get={} put={} circle={} square={} twice_u32={} twice_f64={} sum={}",
        2 * n, n, n, n, n, 3 * n, sum + fsum as u64
    );
}
