//! Prints the evaluation of a measurement file: `cargo run -p sirt-recist --example recist_demo -- FILE`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "crates/sirt-recist/tests/data/demo-recist.toml".to_owned());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    match sirt_recist::evaluate(&text, &path, &sirt_recist::Params::default()) {
        Ok(e) => print!("{}", sirt_recist::render_text(&e)),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
