fn main() {
    std::process::exit(hoist::main_with_exit_code());
}
