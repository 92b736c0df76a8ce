//! Every quantity / name parser of sirt-units and sirt-nuclides on arbitrary UTF-8 text.
//! Parsers must return `Err`, never panic; the parsed value and the error are also printed
//! (Display) to exercise the formatting paths.
#![no_main]

use std::fmt::Display;
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use sirt_nuclides::{KConvention, Nuclide};
use sirt_units::{
    AbsorbedDose, Activity, Bilirubin, Density, DepositionCoefficient, Energy, Fraction, Instant,
    Length, Mass, TimeSpan, Volume,
};

fn check<T>(s: &str)
where
    T: FromStr,
    T::Err: Display,
{
    match s.parse::<T>() {
        Ok(_) => {}
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn check_display<T>(s: &str)
where
    T: FromStr + Display,
    T::Err: Display,
{
    match s.parse::<T>() {
        Ok(v) => {
            let _ = v.to_string();
            let _ = format!("{v:.3}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    check_display::<Activity>(s);
    check_display::<AbsorbedDose>(s);
    check_display::<Mass>(s);
    check_display::<Volume>(s);
    check_display::<Density>(s);
    check_display::<Length>(s);
    check_display::<Energy>(s);
    check_display::<TimeSpan>(s);
    check_display::<Fraction>(s);
    check_display::<Bilirubin>(s);
    check_display::<DepositionCoefficient>(s);
    check_display::<Instant>(s);
    check_display::<Nuclide>(s);
    check::<KConvention>(s);
    // KConvention → resolve for every nuclide (resolve builds labels and checks the value).
    if let Ok(k) = s.parse::<KConvention>() {
        for n in ["Y-90", "Ho-166", "Tc-99m", "Lu-177"] {
            if let Ok(n) = n.parse::<Nuclide>() {
                let _ = k.resolve(n);
            }
        }
    }
});
