//! The `memlens` binary: a thin CLI (and, with no subcommand, the TUI) over the engine.

fn main() -> std::process::ExitCode {
    memlens::cli::main()
}
