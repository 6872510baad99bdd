// trunk initializer: reports download progress of the wasm bundle on the loading screen, and
// shows a readable message if the game fails to start.
export default function driftfireLoader() {
  const bar = () => document.getElementById("loading-bar");
  const text = () => document.getElementById("loading-text");
  return {
    onStart: () => { if (text()) text().textContent = "Loading game…"; },
    onProgress: ({ current, total }) => {
      const mb = (n) => (n / 1048576).toFixed(1);
      if (bar() && total) bar().style.width = `${Math.min(100, (100 * current) / total).toFixed(0)}%`;
      if (text()) text().textContent = total ? `Loading game… ${mb(current)} / ${mb(total)} MB` : `Loading game… ${mb(current)} MB`;
    },
    onComplete: () => { if (text()) text().textContent = "Starting…"; },
    onSuccess: () => {},
    onFailure: (error) => {
      console.error("driftfire: failed to start", error);
      window.driftfireFail?.(`The game failed to start: ${error}. Try reloading; if it persists, your browser may be too old.`);
    },
  };
}
