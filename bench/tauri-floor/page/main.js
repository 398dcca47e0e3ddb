// Asks the app's one command as soon as the page runs, as the real UI asks for its first screen.
window.__TAURI_INTERNALS__.invoke("ping").then((answer) => {
  document.getElementById("answer").textContent = answer;
});
