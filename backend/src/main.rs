fn main() -> std::process::ExitCode {
    anwesend::cli::main()
}
