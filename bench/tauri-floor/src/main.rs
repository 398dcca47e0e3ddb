//! The floor the desktop bench compares the app against: Tauri, GTK and WebKit starting a window
//! whose page asks one command that does nothing, so every millisecond and megabyte it shows is
//! theirs. It logs the same startup lines as the app (`since_start_ms`), which
//! `xtask/src/desktop_bench.rs` reads.

use std::time::Instant;

struct Started(Instant);

fn ms_since(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

#[tauri::command]
fn ping(started: tauri::State<'_, Started>) -> &'static str {
    eprintln!("first command answered since_start_ms={}", ms_since(started.0));
    "answered"
}

fn main() -> std::process::ExitCode {
    let started = Instant::now();
    let ran = tauri::Builder::default()
        .manage(Started(started))
        .invoke_handler(tauri::generate_handler![ping])
        .on_page_load(move |_, payload| {
            eprintln!("page load event={:?} since_start_ms={}", payload.event(), ms_since(started));
        })
        .setup(move |_| {
            eprintln!("window created since_start_ms={}", ms_since(started));
            Ok(())
        })
        .run(tauri::generate_context!());
    match ran {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tauri-floor: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
