use clap::Parser;

fn main() {
    let cli = marginalia::cli::Cli::parse();
    let code = marginalia::cli::run(cli, open_gui);
    std::process::exit(code);
}

#[cfg(feature = "gui")]
fn open_gui(paths: Vec<std::path::PathBuf>) -> i32 {
    marginalia::ui::run(paths)
}

#[cfg(not(feature = "gui"))]
fn open_gui(_paths: Vec<std::path::PathBuf>) -> i32 {
    eprintln!("error: this build has no desktop app (built without the `gui` feature); use a subcommand, see --help");
    2
}
