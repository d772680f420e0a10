//! Powers of ten and logarithms for the page's scales (chart axes, log sliders, the animation's queue),
//! from the browser's `Math` in the wasm32 build and from the standard library natively.
//!
//! On wasm32 the standard library's `powf`, `log10` and `ln` are compiled in from libm: 3.3 kB of code,
//! which the browser already has. Leaving it out (with the engine's one `log10`, see
//! `format::significant`) took 514 bytes off the gzipped build, room the size budget needed (README,
//! "Size"). Nothing here feeds the simulation, whose floats must be the same natively and in the
//! browser: the engine keeps its own (`pollstream-engine`).

/// 10 to the power `x`.
pub fn pow10(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::pow(10.0, x);
    #[cfg(not(target_arch = "wasm32"))]
    return 10f64.powf(x);
}

/// The base-10 logarithm of `x`.
pub fn log10(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::log10(x);
    #[cfg(not(target_arch = "wasm32"))]
    return x.log10();
}

/// The natural logarithm of `x`.
pub fn ln(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::log(x);
    #[cfg(not(target_arch = "wasm32"))]
    return x.ln();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_ten_and_their_logarithms_are_exact() {
        for k in -6..=16 {
            let p = pow10(f64::from(k));
            assert_eq!(p, format!("1e{k}").parse::<f64>().unwrap(), "10^{k}");
            assert_eq!(log10(p), f64::from(k), "log10(10^{k})");
        }
        assert_eq!(ln(1.0), 0.0);
        assert!((ln(std::f64::consts::E) - 1.0).abs() < 1e-15);
    }
}
