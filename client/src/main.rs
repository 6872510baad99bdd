//! `driftfire`: the game. In the browser trunk loads this as wasm; natively it opens a window.

fn main() {
    let launch = driftfire_client::launch::from_environment();
    let exit = driftfire_client::build_app(launch).run();
    if let bevy::app::AppExit::Error(code) = exit {
        std::process::exit(i32::from(code.get()));
    }
}
