use clap::{CommandFactory, Parser};

fn main() {
    let cli = marginalia::cli::Cli::parse();
    let code = marginalia::cli::run(cli, |_paths| {
        let _ = marginalia::cli::Cli::command().print_help();
        2
    });
    std::process::exit(code);
}
