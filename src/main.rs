use clap::Parser;

fn main() {
    limit_malloc_arenas();
    let cli = marginalia::cli::Cli::parse();
    let code = marginalia::cli::run(cli, open_gui);
    std::process::exit(code);
}

#[cfg(feature = "gui")]
fn open_gui(paths: Vec<std::path::PathBuf>, coder: Option<String>) -> i32 {
    marginalia::ui::run(paths, coder)
}

#[cfg(not(feature = "gui"))]
fn open_gui(_paths: Vec<std::path::PathBuf>, _coder: Option<String>) -> i32 {
    eprintln!("error: this build has no desktop app (built without the `gui` feature); use a subcommand, see --help");
    2
}

/// Opening and saving a large sidecar allocate on several threads at once. glibc gives each
/// thread an arena of its own (up to eight per core) and keeps what was freed in them, so the
/// process would hold on to a large sidecar's worth of memory more than once. Two arenas keep
/// the peak for a 10 MB document with 100,000 annotations about 100 MB lower and cost nothing
/// measurable in speed (`marginalia bench`).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a malloc parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
