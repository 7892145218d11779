//! `marginalia bench`: measures the app's frame time, open, save, exports and peak memory on
//! generated documents (see docs/performance.md).

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Only the smallest (50 KB / 100) and largest (10 MB / 100,000) case; under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Print one JSON object with every figure (milliseconds, megabytes) instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Tiny documents and three frames per scenario: checks the command itself, not speed.
    #[arg(long, hide = true)]
    pub tiny: bool,
    /// Only the class dashboard: 35 students x 5 texts, from the menu command to the grades shown.
    #[arg(long)]
    pub class: bool,
}

pub fn run(args: BenchArgs) -> Result<i32, Error> {
    if cfg!(debug_assertions) {
        eprintln!("note: this is a debug build; build with --release for figures that mean anything");
    }
    let options = crate::ui::bench::Options { quick: args.quick, tiny: args.tiny, class_only: args.class };
    let report = crate::ui::bench::run(options, |line| eprintln!("{line}"))?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    Ok(0)
}
